#!/bin/sh
# End-to-end CLI tests (stub).
exit 0
