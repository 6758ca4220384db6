# Wasmbed: helpers shared by every CMakeLists of the tree.
# SPDX-License-Identifier: Apache-2.0

# wasmbed_test(NAME LABEL COMMAND...)
# Registers one ctest test with exactly one of the labels unit,
# conformance, integration or e2e, so `ctest -L` selects a layer.
function(wasmbed_test name label)
  set(labels unit conformance integration e2e)
  if(NOT label IN_LIST labels)
    message(FATAL_ERROR "test ${name}: label '${label}' is not one of "
                        "${labels}")
  endif()
  add_test(NAME ${name} COMMAND ${ARGN})
  set_tests_properties(${name} PROPERTIES LABELS ${label})
endfunction()
