"""Routes, grouped by the Lambda function that serves them."""
