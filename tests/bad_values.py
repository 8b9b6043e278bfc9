"""The bad values of tests/test_bad_input_table.py: each override and the one line it must be refused with."""

TABLE = [
    # top-level keys
    (["seed=abc"], "seed: must be an integer >= 0, got 'abc'"),
    (["seed=-1"], "seed: must be an integer >= 0, got -1"),
    (["torch_threads=0"], "torch_threads: must be an integer >= 1 or auto or null, got 0"),
    (["torch_threads=many"], "torch_threads: must be an integer >= 1 or auto or null, got 'many'"),
    (["width=abc"], "width: must be an integer >= 1, got 'abc'"),
    (["model=lstm", "width=-1"], "width: must be an integer >= 1, got -1"),
    (["depth=-1"], "depth: must be an integer >= 1, got -1"),
    (["depth=0"], "depth: must be an integer >= 1, got 0"),
    (["depth=1.5"], "depth: must be an integer >= 1, got 1.5"),
    (["train=maybe"], "train: must be true or false, got 'maybe'"),
    (["test=2"], "test: must be true or false, got 2"),
    (["task_name=''"], "task_name: must be a non-empty name, got ''"),
    (["ckpt_path=3"], "ckpt_path: must be null, last or a file path, got 3"),
    (["data=iris", "cv.folds=1"], "cv.folds: must be an integer >= 2 or null, got 1"),
    (["data=iris", "cv.folds=-2"], "cv.folds: must be an integer >= 2 or null, got -2"),
    (["+anything=1"], "anything: is not a key any part of dlr reads (added with +)"),
    (["resume_sweep=maybe"], "resume_sweep: must be one of True, False; got 'maybe'"),
    (["+widht=3"], "widht: is not a key any part of dlr reads (added with +); did you mean width?"),
    # optimizer (reaches torch.optim)
    (["optimizer.lr=-1"], "optimizer.lr: must be > 0, got -1"),
    (["optimizer.lr=0"], "optimizer.lr: must be > 0, got 0"),
    (["optimizer.lr=abc"], "optimizer.lr: must be > 0, got 'abc'"),
    (["optimizer.weight_decay=-0.1"], "optimizer.weight_decay: must be >= 0, got -0.1"),
    (["optimizer=sgd", "optimizer.momentum=1.5"], "optimizer.momentum: must be in [0, 1), got 1.5"),
    (["optimizer=adam", "+optimizer.betas=[0.9,1.2]"], "optimizer.betas: must be two numbers in [0, 1)"),
    (["+optimizer.eps=0"], "optimizer.eps: must be > 0, got 0"),
    (
        ["+optimizer.lrr=0.1"],
        "optimizer.lrr: is not a key any part of dlr reads (added with +); did you mean optimizer.lr?",
    ),
    # scheduler (reaches torch.optim.lr_scheduler)
    (["scheduler=step", "scheduler.step_size=0"], "scheduler.step_size: must be an integer >= 1, got 0"),
    (["scheduler=step", "scheduler.gamma=0"], "scheduler.gamma: must be > 0, got 0"),
    (["scheduler=cosine", "scheduler.T_max=0"], "scheduler.T_max: must be an integer >= 1, got 0"),
    (["scheduler=cosine", "scheduler.eta_min=-1"], "scheduler.eta_min: must be >= 0, got -1"),
    # trainer
    (["trainer.max_epochs=0"], "trainer.max_epochs: must be an integer >= 1 or -1, got 0"),
    (["trainer.max_epochs=-2"], "trainer.max_epochs: must be an integer >= 1 or -1, got -2"),
    (["trainer.max_epochs=abc"], "trainer.max_epochs: must be an integer >= 1 or -1, got 'abc'"),
    (["trainer.log_every_n_steps=0"], "trainer.log_every_n_steps: must be an integer >= 1, got 0"),
    (
        ["trainer.check_val_every_n_epoch=0"],
        "trainer.check_val_every_n_epoch: must be an integer >= 1, got 0",
    ),
    (["trainer.limit_train_batches=1.5"], "trainer.limit_train_batches: must be null, a fraction in [0, 1]"),
    (["trainer.limit_val_batches=-1"], "trainer.limit_val_batches: must be null, a fraction in [0, 1]"),
    (["trainer.num_sanity_val_steps=-2"], "trainer.num_sanity_val_steps: must be an integer >= -1, got -2"),
    (["trainer.gradient_clip_val=-1"], "trainer.gradient_clip_val: must be >= 0, got -1"),
    (
        ["trainer.devices=0"],
        "trainer.devices: must be auto, -1 (all), a count >= 1 or a list of device indices",
    ),
    (
        ["trainer.devices=[]"],
        "trainer.devices: must be auto, -1 (all), a count >= 1 or a list of device indices",
    ),
    (["trainer.accelerator=tpu"], "trainer.accelerator: must be one of auto, cpu, gpu, cuda, mps; got 'tpu'"),
    (
        ["+trainer.accumulate_grad_batches=0"],
        "trainer.accumulate_grad_batches: must be an integer >= 1, got 0",
    ),
    (
        ["+trainer.max_epoch=3"],
        "trainer.max_epoch: is not a key any part of dlr reads (added with +); did you mean trainer.max_epochs?",
    ),
    # precision
    (["trainer.precision=8-bit"], "trainer.precision: must be one of 32-true, 32, 64-true"),
    (["precision.optimizer_eps=-1"], "precision.optimizer_eps: must be > 0, got -1"),
    # data, including the secondary keys; a mandatory value left unset (???)
    (["data=csv"], "data.path: is required and has no value; add data.path=... to the command"),
    (["data=csv", "data.path=t.csv"], "data.target: is required and has no value; add data.target=... to"),
    (["data=table"], "data.source: is required and has no value; add data.source=... to the command"),
    (["data.batch_size=2.5"], "data.batch_size: must be an integer >= 1, got 2.5"),
    (["data=iris", "data.batch_size=-4"], "data.batch_size: must be an integer >= 1, got -4"),
    (["+data.eval_batch_size=0"], "data.eval_batch_size: must be an integer >= 1, got 0"),
    (
        ["+data.batchsize=3"],
        "data.batchsize: is not a key any part of dlr reads (added with +); did you mean data.batch_size?",
    ),
    (["data=iris", "data.test_fraction=0"], "data.test_fraction: must be in (0, 1), got 0"),
    (["data=iris", "data.test_fraction=1.5"], "data.test_fraction: must be in (0, 1), got 1.5"),
    (["data.val_fraction=1.0"], "data.val_fraction: must be in [0, 1), got 1.0"),
    (["data.train_split=0"], "data.train_split: must be in (0, 1), got 0"),
    (["data.num_samples=0"], "data.num_samples: must be an integer >= 1 or null, got 0"),
    (["data.n_train=0"], "data.n_train: must be an integer >= 1 or null, got 0"),
    (["data.seed=-3"], "data.seed: must be an integer >= 0, got -3"),
    (["data.label_noise=2"], "data.label_noise: must be in [0, 1), got 2"),
    (
        ["data=diamonds", "data.max_train_rows=0"],
        "data.max_train_rows: must be an integer >= 1 or null, got 0",
    ),
    (["data=diamonds", "data.max_categories=0"], "data.max_categories: must be an integer >= 1, got 0"),
    (
        ["data=diamonds", "data.uninformative_features=-1"],
        "data.uninformative_features: must be >= 0, got -1",
    ),
    (["data=graph_classification", "data.n_graphs=0"], "data.n_graphs: must be an integer >= 1, got 0"),
    (["data=sbm", "data.n_features=-1"], "data.n_features: must be an integer >= 1, got -1"),
    (["data=sbm", "data.p_in=1.5"], "data.p_in: must be in [0, 1], got 1.5"),
    (["data=sines", "data.n_components=0"], "data.n_components: must be an integer >= 1, got 0"),
    (["data=markov_sequences", "data.concentration=0"], "data.concentration: must be > 0, got 0"),
    (["data=gaussian_linear", "data.signal_norm=-1"], "data.signal_norm: must be >= 0, got -1"),
    # model
    (["model.net.dropout=1.0"], "model.net.dropout: must be in [0, 1), got 1.0"),
    (["model.net.dropout=-0.1"], "model.net.dropout: must be in [0, 1), got -0.1"),
    (["model=gru", "model.net.dropout=2"], "model.net.dropout: must be in [0, 1), got 2"),
    (["model=logistic", "model.net.depth=-1"], "model.net.depth: must be an integer >= 0, got -1"),
    (
        ["model=cnn", "model.net.kernel_size=[3,0,3]"],
        "model.net.kernel_size: must be an integer >= 1 or a list",
    ),
    (
        ["model=capsnet", "model.net.kernel_size=0"],
        "model.net.kernel_size: must be an integer >= 1 or a list",
    ),
    (["model=capsnet", "model.net.class_size=0"], "model.net.class_size: must be an integer >= 1, got 0"),
    (["model=capsnet", "model.task.lower_margin=1.5"], "model.task.lower_margin: must be in [0, 1], got 1.5"),
    (["model=capsnet", "model.task.absent_weight=-1"], "model.task.absent_weight: must be >= 0, got -1"),
    (["model=transformer", "model.net.n_heads=0"], "model.net.n_heads: must be an integer >= 1, got 0"),
    (["model=transformer", "model.net.ff_multiplier=0"], "model.net.ff_multiplier: must be an integer >= 1"),
    (
        ["model=ft_transformer", "model.net.attention_dropout=1.5"],
        "model.net.attention_dropout: must be in [0, 1)",
    ),
    (["model=ft_transformer", "model.net.sigma=0"], "model.net.sigma: must be > 0, got 0"),
    (["model=tabular_resnet", "model.net.hidden_factor=0"], "model.net.hidden_factor: must be > 0, got 0"),
    (
        ["model=tabular_resnet", "model.net.embedding_dim=0"],
        "model.net.embedding_dim: must be an integer >= 1",
    ),
    (["model=vae", "model.task.beta=-1"], "model.task.beta: must be >= 0, got -1"),
    (["model=vae", "model.task.traversal_range=0"], "model.task.traversal_range: must be > 0, got 0"),
    (["model=esn", "model.net.leak_rate=0"], "model.net.leak_rate: must be in (0, 1], got 0"),
    (["model=esn", "model.net.spectral_radius=-1"], "model.net.spectral_radius: must be > 0, got -1"),
    (["model=random_features", "model.net.ridge=-1"], "model.net.ridge: must be >= 0 or gcv"),
    (["model=sae", "model.task.sparsity_target=0"], "model.task.sparsity_target: must be in (0, 1), got 0"),
    (["model=som", "model.net.lr_start=0"], "model.net.lr_start: must be > 0, got 0"),
    (["model=rbm", "model.net.init_scale=0"], "model.net.init_scale: must be > 0, got 0"),
    (["model=rbm", "model.task.sample_steps=-1"], "model.task.sample_steps: must be an integer >= 0, got -1"),
    (["model=hopfield", "model.task.corruption=1.5"], "model.task.corruption: must be in [0, 1], got 1.5"),
    (
        ["model=markov_chain", "model.task.sample_length=0"],
        "model.task.sample_length: must be an integer >= 1",
    ),
    (["model=markov_chain", "model.net.smoothing=-1"], "model.net.smoothing: must be >= 0, got -1"),
    (["model=convlstm", "model.task.n_examples=0"], "model.task.n_examples: must be an integer >= 1, got 0"),
    # tree ensembles (model.estimator)
    (
        ["model=catboost", "model.estimator.params.thread_count=0"],
        "model.estimator.params.thread_count: must be",
    ),
    (
        ["model=catboost", "model.estimator.params.learning_rate=0"],
        "model.estimator.params.learning_rate: must be > 0",
    ),
    (
        ["model=xgboost", "model.estimator.params.subsample=0"],
        "model.estimator.params.subsample: must be in (0, 1]",
    ),
    (
        ["model=xgboost", "model.estimator.params.reg_alpha=-1"],
        "model.estimator.params.reg_alpha: must be >= 0",
    ),
    (
        ["model=lightgbm", "model.estimator.params.num_leaves=1"],
        "model.estimator.params.num_leaves: must be an",
    ),
    (["model=random_forest", "model.estimator.params.n_jobs=0"], "model.estimator.params.n_jobs: must be an"),
    (
        ["model=random_forest", "model.estimator.threads=0"],
        "model.estimator.threads: must be an integer >= 1",
    ),
    (
        ["model=hist_gbm", "model.estimator.params.max_leaf_nodes=1"],
        "model.estimator.params.max_leaf_nodes: must",
    ),
    (
        ["model=gradient_boosting", "model.estimator.params.max_depth=0"],
        "model.estimator.params.max_depth: must",
    ),
    (
        ["model=decision_tree", "model.estimator.params.min_samples_leaf=0"],
        "model.estimator.params.min_samples_leaf",
    ),
    # transfer
    (["transfer=lora", "transfer.lora.r=0"], "transfer.lora.r: must be an integer >= 1, got 0"),
    (["transfer=lora", "transfer.lora.alpha=0"], "transfer.lora.alpha: must be > 0, got 0"),
    (["transfer=lora", "transfer.lora.dropout=1"], "transfer.lora.dropout: must be in [0, 1), got 1"),
    # quantization
    (
        ["quantization=int4_weight_only", "quantization.group_size=7"],
        "quantization.group_size: must be one of 32, 64, 128, 256, null; got 7",
    ),
    (["quantization=qlora", "quantization.r=0"], "quantization.r: must be an integer >= 1, got 0"),
    (["quantization=qlora", "quantization.alpha=-1"], "quantization.alpha: must be > 0, got -1"),
    # callbacks
    (
        ["callbacks=with_early_stopping", "callbacks.early_stopping.patience=-1"],
        "callbacks.early_stopping.patience: must be an integer >= 0, got -1",
    ),
    (
        ["callbacks=with_early_stopping", "callbacks.early_stopping.mode=up"],
        "callbacks.early_stopping.mode: must be one of min, max; got 'up'",
    ),
    (
        ["callbacks=with_early_stopping", "callbacks.early_stopping.min_delta=-1"],
        "callbacks.early_stopping.min_delta: must be >= 0, got -1",
    ),
    (
        ["callbacks.model_checkpoint.save_top_k=-2"],
        "callbacks.model_checkpoint.save_top_k: must be an integer >= -1, got -2",
    ),
    (
        ["callbacks.model_checkpoint.mode=sideways"],
        "callbacks.model_checkpoint.mode: must be one of min, max; got 'sideways'",
    ),
    (["callbacks.last_checkpoint.every_s=-1"], "callbacks.last_checkpoint.every_s: must be >= 0, got -1"),
    (
        ["callbacks.model_summary.max_depth=-2"],
        "callbacks.model_summary.max_depth: must be an integer >= -1, got -2",
    ),
    # logger
    (
        ["+logger.csv.foo=1"],
        "logger.csv.foo: is not a key any part of dlr reads (added with +); did you mean logger.csv.name?",
    ),
    (
        ["+logger.csv.flush_logs_every_n_steps=0"],
        "logger.csv.flush_logs_every_n_steps: must be an integer >= 1, got 0",
    ),
    # launcher (Hydra's launcher plugins)
    (
        ["launcher=joblib", "hydra.launcher.n_jobs=0"],
        "hydra.launcher.n_jobs: must be an integer >= 1 or -1 (one per core), got 0",
    ),
    (
        ["launcher=joblib", "hydra.launcher.backend=fork"],
        "hydra.launcher.backend: must be one of loky, multiprocessing, threading; got 'fork'",
    ),
    (
        ["launcher=submitit_slurm", "hydra.launcher.cpus_per_task=0"],
        "hydra.launcher.cpus_per_task: must be an integer >= 1, got 0",
    ),
    (
        ["launcher=submitit_slurm", "hydra.launcher.timeout_min=0"],
        "hydra.launcher.timeout_min: must be > 0, got 0",
    ),
    # debug
    (
        ["debug=limit", "trainer.limit_train_batches=-5"],
        "trainer.limit_train_batches: must be null, a fraction in [0, 1]",
    ),
    (
        ["debug=overfit", "trainer.overfit_batches=-1"],
        "trainer.overfit_batches: must be null, a fraction in [0, 1]",
    ),
    (
        ["debug=fast_dev_run", "trainer.fast_dev_run=-1"],
        "trainer.fast_dev_run: must be true, false or a batch count >= 0, got -1",
    ),
    (["+debug.foo=1"], "debug.foo: is not a key any part of dlr reads (added with +)"),
]
