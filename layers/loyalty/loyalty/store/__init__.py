"""The only package that imports boto3: keys, items and transactions of the single table."""
