"""Loyalty engine: the shared layer (domain rules, DynamoDB store, use cases, HTTP plumbing).

Start-up. Importing the package first loads the libraries every function uses, then freezes them
out of the cyclic garbage collector (``gc.freeze``). They live as long as the process; without
this, each full collection (triggered by allocations: building the program's pydantic models at
import, and any request) walks their hundreds of thousands of objects again, which was about
half of our modules' import time. boto3, imported by ``store`` only, is frozen there the same way.
"""

import gc

import pydantic  # noqa: F401
from aws_lambda_powertools import Logger  # noqa: F401
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver  # noqa: F401
from aws_lambda_powertools.event_handler.openapi import params  # noqa: F401

gc.freeze()
