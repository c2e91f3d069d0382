"""The ``posapp …`` command line: a thin edge over the services for what admins script."""
