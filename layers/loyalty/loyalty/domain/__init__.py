"""Pure rules: no boto3, no I/O, no clock reads, no environment reads."""
