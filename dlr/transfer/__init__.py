"""What is done to a built net before training: load a checkpoint, freeze, unfreeze gradually, scale LRs, LoRA."""
