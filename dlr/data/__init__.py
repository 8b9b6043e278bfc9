"""LightningDataModules serving in-memory tensors; see :mod:`dlr.data.base`."""
