/*
 * banned.h - functions this codebase must not use.
 *
 * Every .c file includes it last, after all system headers (a check in CMake enforces that each
 * .c file includes it). Each banned name expands to an undeclared identifier, so a use fails to
 * compile with a message naming the function.
 * Unbounded string copies, locale/global-state time conversion and silent integer parsing are
 * the usual sources of overflows and wrong answers; use fbs_buf, fbs_time_* and strtol.
 */
#ifndef FBS_BANNED_H
#define FBS_BANNED_H

#define FBS_BANNED(func) sorry_##func##_is_banned_in_fallback_scan

#undef strcpy
#define strcpy(x, y) FBS_BANNED(strcpy)
#undef strcat
#define strcat(x, y) FBS_BANNED(strcat)
#undef sprintf
#define sprintf(...) FBS_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) FBS_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) FBS_BANNED(strtok)
#undef atoi
#define atoi(x) FBS_BANNED(atoi)
#undef gmtime
#define gmtime(x) FBS_BANNED(gmtime)
#undef localtime
#define localtime(x) FBS_BANNED(localtime)

#endif
