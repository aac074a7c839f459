# OE_CHECK_CFLAG(FLAG, ACTION-IF-OK)
# Compile an empty program with FLAG (and -Werror, so a flag the compiler
# merely warns about counts as unsupported).
AC_DEFUN([OE_CHECK_CFLAG], [
  AC_MSG_CHECKING([whether $CC accepts $1])
  oe_save_CFLAGS=$CFLAGS
  CFLAGS="$CFLAGS -Werror $1"
  AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
    [AC_MSG_RESULT([yes]); $2], [AC_MSG_RESULT([no])])
  CFLAGS=$oe_save_CFLAGS
])
