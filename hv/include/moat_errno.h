/* Xen error numbers (<xen/errno.h> gives them as XEN_Exxx enum constants) under their usual
 * names, for Moat's handlers: a handler returns -EFAULT etc. exactly as Xen's would. */
#ifndef MOAT_ERRNO_H
#define MOAT_ERRNO_H
#include <xen/errno.h>
#ifndef EPERM
#define EPERM      XEN_EPERM
#define ENOENT     XEN_ENOENT
#define ESRCH      XEN_ESRCH
#define EINTR      XEN_EINTR
#define EIO        XEN_EIO
#define ENXIO      XEN_ENXIO
#define E2BIG      XEN_E2BIG
#define ENOEXEC    XEN_ENOEXEC
#define EBADF      XEN_EBADF
#define EAGAIN     XEN_EAGAIN
#define ENOMEM     XEN_ENOMEM
#define EACCES     XEN_EACCES
#define EFAULT     XEN_EFAULT
#define EBUSY      XEN_EBUSY
#define EEXIST     XEN_EEXIST
#define EXDEV      XEN_EXDEV
#define ENODEV     XEN_ENODEV
#define EINVAL     XEN_EINVAL
#define ENOSPC     XEN_ENOSPC
#define ERANGE     XEN_ERANGE
#define ENOSYS     XEN_ENOSYS
#define ENODATA    XEN_ENODATA
#define ENOBUFS    XEN_ENOBUFS
#define EOPNOTSUPP XEN_EOPNOTSUPP
#endif
#endif
