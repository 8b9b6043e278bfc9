"""One run's lifecycle behind train.py, eval.py, predict.py and the Python API."""
