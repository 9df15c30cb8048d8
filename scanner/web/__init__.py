"""The team web application and its REST API, above the application layer (like the CLI).

``scanner serve`` runs :func:`scanner.web.app.create_app` on uvicorn. Pages are rendered on the
server with Jinja2 (autoescaped, no inline script or style, so the Content-Security-Policy
forbids both); the API lives under ``/api/v1``. Every read and action goes through
:mod:`scanner.app` and the store's accessors; scans never run in this process (a verification
rescan asked for here is queued for ``scanner queue run``).

Modules: ``app`` (the application, its middleware: sessions, CSRF, security headers, body
limit), ``context`` (who asks, in which language, what they may see), ``pages`` (HTML),
``api`` (JSON), ``templates/`` and ``static/``.
"""
