#!/usr/bin/env bash
# Installs, with apt-get, the Debian packages uplift needs that are missing, and says which.
# Usage: cmake/install-deps.sh [profile...]   profiles: core (default); bench (the peer libraries
# uplift-bench compares against, and gnuplot for its plots); hardening (make test, make fuzz).
set -euo pipefail

declare -A profile_packages=(
  [core]="g++ make cmake ninja-build ccache pkg-config flatbuffers-compiler libflatbuffers-dev libsimdjson-dev libboost-dev doctest-dev libsqlite3-dev libpq-dev postgresql"
  [bench]="protobuf-compiler libprotobuf-dev capnproto libcapnp-dev libavro-dev libcereal-dev nlohmann-json3-dev gnuplot-nox"
  # make test's sanitizer and fuzz stages, make fuzz: clang with libFuzzer and its sanitizers
  [hardening]="clang-14 libclang-rt-14-dev"
)

profiles=("$@")
[ ${#profiles[@]} -eq 0 ] && profiles=(core)

wanted=()
for p in "${profiles[@]}"; do
  if [ -z "${profile_packages[$p]+set}" ]; then
    echo "install-deps: unknown profile '$p' (known: ${!profile_packages[*]})" >&2
    exit 2
  fi
  # shellcheck disable=SC2206
  wanted+=(${profile_packages[$p]})
done

missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#wanted[@]} packages for '${profiles[*]}' are installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "install-deps: these packages are missing and this is not root: ${missing[*]}" >&2
    echo "install-deps: run 'make' as root, or install them with: apt-get install ${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: installed ${missing[*]}"
