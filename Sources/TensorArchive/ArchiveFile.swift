import CHDF5
import Foundation

/// The open HDF5 file behind one `ArchiveWriter`, shared by its groups and appendable variables.
///
/// Every write goes through `perform`, which turns any thrown error into an abort: the HDF5 file
/// is closed, the temporary file deleted, and every later call throws `.writerAborted`. So a
/// partially written archive can never be committed.
final class ArchiveFile {
    private enum State {
        case open
        case committed
        case aborted(cause: String)
    }

    /// Target and temporary paths.
    let target: AtomicTarget
    /// The target path, used in every error message.
    var path: String { target.targetPath }
    /// The next netCDF dimension id (`_Netcdf4Dimid`), counted over the whole file in creation order.
    var nextDimensionID: Int32 = 0

    private var fileID: hid_t = -1
    private var state: State = .open

    /// Creates the temporary file with netCDF-4 creation-order tracking on the root group.
    init(path: String) throws {
        HDF5Errors.silence()
        target = try AtomicTarget.prepare(path: path)
        do {
            fileID = try Self.createHDF5File(at: target.temporaryPath, reportedAs: path)
        } catch {
            target.removeTemporary()
            throw error
        }
    }

    private static func createHDF5File(at temporaryPath: String, reportedAs path: String) throws -> hid_t {
        let site = HDF5Site(file: path, object: "/")
        let creation = try site.check(H5Pcreate(H5.fileCreate), "create a file creation property list")
        defer { _ = H5Pclose(creation) }
        try site.check(H5Pset_link_creation_order(creation, H5.creationOrderFlags), "track link creation order on")
        try site.check(H5Pset_attr_creation_order(creation, H5.creationOrderFlags), "track attribute creation order on")
        // No timestamps in the root group's header (groups and datasets disable them too), so the
        // same run writes the same bytes.
        try site.check(H5Pset_obj_track_times(creation, false), "disable time tracking on")
        let access = try site.check(H5Pcreate(H5.fileAccess), "create a file access property list")
        defer { _ = H5Pclose(access) }
        // Oldest format that can hold creation-order tracking (readable by HDF5 >= 1.8, as netCDF-C does).
        try site.check(H5Pset_libver_bounds(access, H5F_LIBVER_V18, chdf5_F_LIBVER_LATEST()), "set library version bounds for")
        // STRONG: H5Fclose also closes any object id left open, so the file is complete on commit.
        try site.check(H5Pset_fclose_degree(access, H5F_CLOSE_STRONG), "set the close degree for")
        // Exclusive creation (O_CREAT | O_EXCL) never follows a symbolic link, so nobody can swap
        // the placeholder `AtomicTarget` created for a link to another file in between: the
        // placeholder is deleted and HDF5 creates the file anew or fails.
        _ = unlink(temporaryPath)
        return try site.check(H5Fcreate(temporaryPath, H5.accessExclusive, creation, access), "create the file")
    }

    /// Runs `body` with the open file id; aborts the writer if `body` throws.
    func perform<T>(_ body: (hid_t) throws -> T) throws -> T {
        HDF5Errors.silence()
        switch state {
        case .committed: throw TensorArchiveError.writerClosed(file: path)
        case let .aborted(cause): throw TensorArchiveError.writerAborted(file: path, cause: cause)
        case .open: break
        }
        do {
            return try body(fileID)
        } catch {
            abort(cause: String(describing: error))
            throw error
        }
    }

    /// Closes and renames the temporary file over the target.
    func commit() throws {
        try perform { fileID in
            let site = HDF5Site(file: path, object: "/")
            try site.check(H5Fflush(fileID, H5F_SCOPE_GLOBAL), "flush")
            self.fileID = -1
            try site.check(H5Fclose(fileID), "close")
            try target.commit()
        }
        state = .committed
    }

    /// Closes the file (if open) and deletes the temporary file; the target is left untouched.
    /// Does nothing after `commit()` or an earlier abort.
    func abort(cause: String) {
        guard case .open = state else { return }
        HDF5Errors.silence()
        state = .aborted(cause: cause)
        if fileID >= 0 {
            _ = H5Fclose(fileID)
            fileID = -1
        }
        target.removeTemporary()
        _ = H5Eclear2(H5.defaultErrorStack)
    }
}
