# Precompile the built-in rules' Vectorscan databases into a bundle (scanner/match/hs_bundle.h).
# Usage: cmake -DTOOL=fbs-rules-precompile -DWORK=<dir> -DOUT=<bundle> -P rule_db.cmake
# A failing precompile does not fail the build: it warns and writes an empty bundle, and the
# executable then compiles the databases at run time as it would without embedding.
execute_process(COMMAND ${TOOL} ${WORK} ${OUT}.new
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  file(RENAME ${OUT}.new ${OUT})
  string(STRIP "${out}" out)
  string(REPLACE "${OUT}.new" "${OUT}" out "${out}")
  message(STATUS "${out}")
else()
  file(REMOVE ${OUT}.new)
  string(STRIP "${err}" err)
  message(WARNING "precompiling the built-in rules failed (${rc}): ${err}\n"
                  "Building without embedded rule databases: they are compiled at run time.")
  file(WRITE ${OUT} "")
endif()
