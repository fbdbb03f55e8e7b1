// File-system helpers every library needs the same way.
#ifndef ASL_FS_H
#define ASL_FS_H

#include "asl/status.h"

// mkdir -p: creates path and its missing parents (mode 0777 less umask).
// ASL_EIO with "PATH: cannot create (reason)" when a level cannot be made.
asl_status asl_make_dirs(const char *path);

#endif
