#!/bin/sh
# The demo image's entry point: prints a greeting.
name=world
[ "$1" = "--name" ] && [ -n "$2" ] && name=$2
echo "$GREETING, $name ($(cat /app/VERSION))"
