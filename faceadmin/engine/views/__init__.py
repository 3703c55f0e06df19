"""HTTP handlers of the engine, one module per group of the contract's endpoint table.

Each handler takes a `Call` (see engine/http.py) and the path parameters, validates the
input, calls a service and renders Azure's JSON. Handlers for collections take a `kind`
(person group / large person group, face list / large face list) bound in urls.py.
"""
