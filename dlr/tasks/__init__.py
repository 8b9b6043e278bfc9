"""LightningModules that say how a net learns; see :mod:`dlr.tasks.base`."""
