// Parallel HDF5 for Swift: the real header plus accessors for the constants that are macros
// (comma expressions that Swift cannot import) and H5P_DEFAULT as a real hid_t.
#ifndef PLATLAS_CHDF5_SHIM_H
#define PLATLAS_CHDF5_SHIM_H
#include <hdf5.h>
#ifndef H5_HAVE_PARALLEL
#error "platlas needs a parallel HDF5 build (Debian: libhdf5-openmpi-dev, pkg-config hdf5-openmpi)"
#endif

static inline hid_t chdf5_p_default(void) { return H5P_DEFAULT; }
static inline hid_t chdf5_s_all(void) { return H5S_ALL; }
static inline hsize_t chdf5_s_unlimited(void) { return H5S_UNLIMITED; }

static inline hid_t chdf5_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t chdf5_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t chdf5_native_uint64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t chdf5_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t chdf5_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t chdf5_c_s1(void) { return H5T_C_S1; }

static inline hid_t chdf5_p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t chdf5_p_file_create(void) { return H5P_FILE_CREATE; }
static inline hid_t chdf5_p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t chdf5_p_dataset_xfer(void) { return H5P_DATASET_XFER; }
static inline hid_t chdf5_p_link_create(void) { return H5P_LINK_CREATE; }

static inline unsigned chdf5_f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned chdf5_f_acc_excl(void) { return H5F_ACC_EXCL; }
static inline unsigned chdf5_f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned chdf5_f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline hid_t chdf5_e_default(void) { return H5E_DEFAULT; }
static inline size_t chdf5_t_variable(void) { return H5T_VARIABLE; }

#include <sys/syscall.h>
#include <unistd.h>

/// Points the open file descriptor `fd` at a new anonymous in-memory file (memfd_create; the
/// descriptor's old file is released): what a serial file's driver writes from then on is
/// discarded. Returns 0, or -1 with errno set.
static inline int chdf5_redirect_to_anonymous_file(int fd) {
    int anonymous = (int)syscall(SYS_memfd_create, "platlas-discarded", 1u /* MFD_CLOEXEC */);
    if (anonymous < 0) return -1;
    int result = dup2(anonymous, fd);
    close(anonymous);
    return result < 0 ? -1 : 0;
}
#endif
