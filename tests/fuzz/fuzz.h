/*
 * fuzz.h - what every fuzz target in tests/fuzz/ shares.
 *
 * Each fuzz_<name>.c defines LLVMFuzzerTestOneInput. Built with -DFBS_FUZZ=ON (clang,
 * -fsanitize=fuzzer,address,undefined) it is a libFuzzer binary; in the ordinary build it is
 * linked with replay_main.c and replays its seed corpus (tests/fuzz/corpus/<name>/) as a ctest,
 * so every crash or timeout found and saved there stays a regression test. See docs/fuzzing.md.
 */
#ifndef FBS_FUZZ_H
#define FBS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional one-time set-up (libFuzzer calls it before the first input; so does replay_main). */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

#endif
