import Foundation
import CHDF5

/// HDF5 "constants" that are macros in C (they call `H5open()`), read once through the shim.
enum H5 {
    static let defaultPlist: hid_t = chdf5_P_DEFAULT()
    static let defaultErrorStack: hid_t = chdf5_E_DEFAULT()
    static let all: hid_t = hid_t(H5S_ALL)
    static let unlimited: hsize_t = chdf5_S_UNLIMITED()
    static let variableSize: Int = chdf5_T_VARIABLE()
    static let fileCreate: hid_t = chdf5_P_FILE_CREATE()
    static let fileAccess: hid_t = chdf5_P_FILE_ACCESS()
    static let datasetCreate: hid_t = chdf5_P_DATASET_CREATE()
    static let groupCreate: hid_t = chdf5_P_GROUP_CREATE()
    static let attributeCreate: hid_t = chdf5_P_ATTRIBUTE_CREATE()
    static let creationOrderFlags: UInt32 = chdf5_P_CRT_ORDER_TRACKED_INDEXED()
    static let accessTruncate: UInt32 = chdf5_F_ACC_TRUNC()
    static let accessExclusive: UInt32 = chdf5_F_ACC_EXCL()
    static let accessReadOnly: UInt32 = chdf5_F_ACC_RDONLY()
    static let float32BigEndian: hid_t = chdf5_T_IEEE_F32BE()
    static let cString: hid_t = chdf5_T_C_S1()
}

/// HDF5 error-stack handling.
///
/// The Debian build is thread-safe, which makes the automatic error printing a *per-thread*
/// setting: `silence()` is therefore called at the start of every public entry point, on the
/// calling thread, instead of once per process.
enum HDF5Errors {
    /// Turns off HDF5's automatic printing of error stacks on the current thread.
    static func silence() {
        _ = H5Eset_auto2(H5.defaultErrorStack, nil, nil)
    }

    /// The messages on the current thread's error stack, outermost (the API call) first, and then
    /// clears the stack. Returns "no HDF5 error message" when the stack is empty.
    static func currentDetail() -> String {
        var messages: [String] = []
        withUnsafeMutablePointer(to: &messages) { context in
            _ = H5Ewalk2(H5.defaultErrorStack, H5E_WALK_DOWNWARD, { _, error, data in
                guard let error, let data else { return 0 }
                let function = error.pointee.func_name.map { String(cString: $0) } ?? "?"
                let text = error.pointee.desc.map { String(cString: $0) } ?? ""
                data.assumingMemoryBound(to: [String].self).pointee.append("\(function)(): \(text)")
                return 0
            }, context)
        }
        _ = H5Eclear2(H5.defaultErrorStack)
        guard let outer = messages.first else { return "no HDF5 error message" }
        guard messages.count > 1, let inner = messages.last else { return outer }
        return "\(outer) <- \(inner)"
    }
}

/// Where an HDF5 call happens, for error messages.
struct HDF5Site {
    /// The file path reported to the user (the target path, not the temporary file).
    let file: String
    /// The HDF5 object path the call works on.
    let object: String

    /// Returns `value` when it is non-negative, otherwise throws `.hdf5Failure` with HDF5's message.
    @discardableResult
    func check<T: BinaryInteger>(_ value: T, _ operation: @autoclosure () -> String) throws -> T {
        if value >= 0 { return value }
        throw TensorArchiveError.hdf5Failure(
            operation: operation(), object: object, file: file, detail: HDF5Errors.currentDetail())
    }
}

/// Joins an HDF5 group path and a child name: `("/", "x")` → `"/x"`, `("/g", "x")` → `"/g/x"`.
func hdf5Join(_ group: String, _ name: String) -> String {
    group == "/" ? "/" + name : group + "/" + name
}

/// Calls `body` with C strings for `strings`, all alive at once (for variable-length string writes).
func withCStringArray<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) throws -> R) rethrows -> R {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    return try body(copies.map { $0.map { UnsafePointer($0) } })
}

/// A variable-length UTF-8 string datatype; the caller closes it with `H5Tclose`.
func makeUTF8StringType(site: HDF5Site) throws -> hid_t {
    let type = try site.check(H5Tcopy(H5.cString), "copy the string datatype")
    guard H5Tset_size(type, H5.variableSize) >= 0, H5Tset_cset(type, H5T_CSET_UTF8) >= 0 else {
        let error = TensorArchiveError.hdf5Failure(
            operation: "make a variable-length UTF-8 string type", object: site.object, file: site.file,
            detail: HDF5Errors.currentDetail())
        _ = H5Tclose(type)
        throw error
    }
    return type
}
