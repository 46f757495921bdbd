import CFFTW3
import Synchronization

/// A block of `fftw_malloc` memory (SIMD-aligned, the alignment FFTW's cached plans expect).
final class AlignedBuffer: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer
    let byteCount: Int

    init?(byteCount: Int) {
        guard let raw = fftw_malloc(byteCount) else { return nil }
        self.raw = raw
        self.byteCount = byteCount
    }

    deinit { fftw_free(raw) }

    var doubles: UnsafeMutablePointer<Double> { raw.bindMemory(to: Double.self, capacity: byteCount / 8) }
    var complexes: UnsafeMutablePointer<fftw_complex> {
        raw.bindMemory(to: fftw_complex.self, capacity: byteCount / 16)
    }
}

/// A bounded pool of aligned scratch buffers so that repeated transforms of one size do not pay
/// for allocation and page faults on every call. Buffers are handed out exclusively and returned
/// after use; at most `capacityBytes` are kept idle.
final class FFTScratchPool: Sendable {
    static let shared = FFTScratchPool()
    let capacityBytes = 256 << 20
    private let state = Mutex<(idle: [Int: [AlignedBuffer]], idleBytes: Int)>(([:], 0))

    /// Runs `body` with one exclusive buffer per entry of `byteCounts` (each at least that many
    /// bytes, `fftw_malloc`-aligned, contents undefined), returning them to the pool afterwards.
    func with<T>(_ byteCounts: [Int], _ body: ([AlignedBuffer]) throws -> T) throws -> T {
        var buffers: [AlignedBuffer] = []
        buffers.reserveCapacity(byteCounts.count)
        defer { for buffer in buffers { give(buffer) } }
        for bytes in byteCounts { buffers.append(try take(bytes)) }
        return try body(buffers)
    }

    private func take(_ bytes: Int) throws -> AlignedBuffer {
        let size = max(bytes, 16)
        let reused: AlignedBuffer? = state.withLock { state in
            guard var list = state.idle[size], let buffer = list.popLast() else { return nil }
            state.idle[size] = list
            state.idleBytes -= size
            return buffer
        }
        if let reused { return reused }
        guard let fresh = AlignedBuffer(byteCount: size) else {
            throw SpectraError.allocationFailed(bytes: size)
        }
        return fresh
    }

    private func give(_ buffer: AlignedBuffer) {
        let rejected: AlignedBuffer? = state.withLock { state in
            guard state.idleBytes + buffer.byteCount <= capacityBytes else { return buffer }
            state.idle[buffer.byteCount, default: []].append(buffer)
            state.idleBytes += buffer.byteCount
            return nil
        }
        _ = rejected  // freed here, outside the lock
    }
}
