# Where sample applications go: build/apps in the normal build (next to
# build/bin), <build>/apps in a test tree. Included by apps/ and by
# tests/agent, whichever CMake reads first.
# SPDX-License-Identifier: Apache-2.0
get_filename_component(wasmbed_default_apps_dir
                       "${WASMBED_BIN_DIR}/../apps" ABSOLUTE)
set(WASMBED_APPS_DIR "${wasmbed_default_apps_dir}" CACHE PATH
    "where sample applications go")
