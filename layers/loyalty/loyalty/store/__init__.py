"""The only package that imports boto3: keys, items and transactions of the single table."""

import gc

import boto3  # noqa: F401

# boto3 lives as long as the process: out of the cyclic GC's reach, as the package's libraries
# are (loyalty/__init__.py).
gc.freeze()
