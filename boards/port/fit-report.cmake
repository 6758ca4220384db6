# Tries to link an agent image that is known not to fit, and reports the
# linker's "region overflowed" lines as a warning and in REPORT, without
# failing the build (docs/boards.md, "Agent firmware").
# SPDX-License-Identifier: Apache-2.0
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD} --target ${TARGET}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX MATCHALL "region `[A-Z]+' overflowed by [0-9]+ bytes"
       lines "${out}${err}")
list(REMOVE_DUPLICATES lines)
if(rc EQUAL 0)
  set(text "agent image for ${PROFILE} links: it fits\n")
elseif(lines)
  string(REPLACE ";" "\n" joined "${lines}")
  set(text "agent image for ${PROFILE} does not fit (TLS + engine + one "
           "64 KiB-page app):\n${joined}\n")
else()
  set(text "agent image for ${PROFILE} failed to build, not for size:\n"
           "${out}${err}\n")
endif()
string(CONCAT text ${text})
file(WRITE ${REPORT} "${text}")
message(WARNING "${text}")
