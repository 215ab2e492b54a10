"""`make bench` (python -m bench): per operation, the DynamoDB calls it makes, items read and
written, capacity units estimated from item sizes, in-process latency as a ratio to the same raw
DynamoDB calls, and each handler's cold import time as a ratio to its libraries. It prints; it
never asserts on time (tests never do)."""
