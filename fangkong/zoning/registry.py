"""What zoning plugs into the platform: the area classes and risk areas every module reads, and
their audit event types (the risk-area pages themselves come with the 严管 module)."""

from fangkong.core.modules import Module

from .events import ZoningEvent

MODULE = Module(app="zoning", events=ZoningEvent)
