# Write the documents generated from the built binary's help data (scanner/cli/help.h):
#   cmake -DBIN=path/to/fallback-scan -DDIR=output/dir -P cmake/gen_doc.cmake
# DIR/fallback-scan.1 (man page), DIR/fallback-scan.bash (bash completion), DIR/_fallback-scan
# (zsh completion).
foreach(doc "fallback-scan.1|help;--man" "fallback-scan.bash|help;--completion;bash"
            "_fallback-scan|help;--completion;zsh")
  string(REPLACE "|" ";" parts "${doc}")
  list(POP_FRONT parts name)
  execute_process(COMMAND ${BIN} ${parts} OUTPUT_FILE ${DIR}/${name}.tmp RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${BIN} ${parts} failed (${rc})")
  endif()
  file(RENAME ${DIR}/${name}.tmp ${DIR}/${name})
endforeach()
