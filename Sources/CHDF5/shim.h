#ifndef CHDF5_SHIM_H
#define CHDF5_SHIM_H
#include <hdf5.h>
#include <hdf5_hl.h>
// zlib: HDF5's deflate filter is zlib's compress2, so TensorArchive can compress chunks itself on
// worker threads and hand them to H5Dwrite_chunk (libhdf5 already links libz; zlib1g-dev comes
// with libhdf5-dev).
#include <zlib.h>
// HDF5's type and property-list "constants" are macros that call H5open(); Swift cannot import
// them, so each gets a static inline accessor.
static inline hid_t chdf5_P_DEFAULT(void)        { return H5P_DEFAULT; }
static inline hid_t chdf5_E_DEFAULT(void)        { return H5E_DEFAULT; }
static inline hsize_t chdf5_S_UNLIMITED(void)    { return H5S_UNLIMITED; }
static inline unsigned chdf5_F_ACC_RDONLY(void)  { return H5F_ACC_RDONLY; }
static inline unsigned chdf5_F_ACC_RDWR(void)    { return H5F_ACC_RDWR; }
static inline unsigned chdf5_F_ACC_TRUNC(void)   { return H5F_ACC_TRUNC; }
static inline unsigned chdf5_F_ACC_EXCL(void)    { return H5F_ACC_EXCL; }
static inline hid_t chdf5_P_FILE_CREATE(void)    { return H5P_FILE_CREATE; }
static inline hid_t chdf5_P_FILE_ACCESS(void)    { return H5P_FILE_ACCESS; }
static inline hid_t chdf5_P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t chdf5_P_DATASET_XFER(void)   { return H5P_DATASET_XFER; }
static inline hid_t chdf5_P_LINK_CREATE(void)    { return H5P_LINK_CREATE; }
static inline hid_t chdf5_P_GROUP_CREATE(void)   { return H5P_GROUP_CREATE; }
static inline hid_t chdf5_P_ATTRIBUTE_CREATE(void) { return H5P_ATTRIBUTE_CREATE; }
static inline hid_t chdf5_T_NATIVE_FLOAT(void)   { return H5T_NATIVE_FLOAT; }
static inline hid_t chdf5_T_NATIVE_DOUBLE(void)  { return H5T_NATIVE_DOUBLE; }
static inline hid_t chdf5_T_NATIVE_INT8(void)    { return H5T_NATIVE_INT8; }
static inline hid_t chdf5_T_NATIVE_INT32(void)   { return H5T_NATIVE_INT32; }
static inline hid_t chdf5_T_NATIVE_INT64(void)   { return H5T_NATIVE_INT64; }
static inline hid_t chdf5_T_NATIVE_UINT8(void)   { return H5T_NATIVE_UINT8; }
static inline hid_t chdf5_T_IEEE_F32LE(void)     { return H5T_IEEE_F32LE; }
static inline hid_t chdf5_T_IEEE_F64LE(void)     { return H5T_IEEE_F64LE; }
static inline hid_t chdf5_T_STD_I8LE(void)       { return H5T_STD_I8LE; }
static inline hid_t chdf5_T_STD_I32LE(void)      { return H5T_STD_I32LE; }
static inline hid_t chdf5_T_STD_I64LE(void)      { return H5T_STD_I64LE; }
static inline hid_t chdf5_T_C_S1(void)           { return H5T_C_S1; }
static inline size_t chdf5_T_VARIABLE(void)      { return H5T_VARIABLE; }
static inline hid_t chdf5_T_IEEE_F32BE(void)     { return H5T_IEEE_F32BE; }
static inline H5F_libver_t chdf5_F_LIBVER_LATEST(void) { return H5F_LIBVER_LATEST; }
// H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED: the creation-order flags netCDF-4 sets on every
// group, dataset and the root group (via the file creation property list).
static inline unsigned chdf5_P_CRT_ORDER_TRACKED_INDEXED(void) { return H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED; }
static inline unsigned chdf5_P_CRT_ORDER_TRACKED(void) { return H5P_CRT_ORDER_TRACKED; }
static inline unsigned chdf5_P_CRT_ORDER_INDEXED(void) { return H5P_CRT_ORDER_INDEXED; }
#endif
