"""Loggers dlr adds to Lightning's."""
