"""What the results app plugs into the platform: nothing a user opens by itself — its vocabulary,
the Ct rule and a person's test history are used by every module that reads or records a result."""

from fangkong.core.modules import Module

MODULE = Module(app="results")
