"""A harmless program: `pysbx exec examples/hello.py` runs it unchanged."""
import json
import sys

data = {"greeting": "hello", "argv": sys.argv[1:]}
print(json.dumps(data))
