"""The private layer over `eventsourcing` (issue 12).

The only package that imports eventsourcing's persistence, application and
recorder modules or touches their private attributes: the event store under
the facade (`application.EventStore`), the transcoder, the aggregate loader,
the log reader, the projection runner and the error map. Everything else in
homecare uses what this package exposes; import-linter keeps it that way.
"""
