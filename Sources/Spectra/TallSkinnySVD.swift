import CLAPACKE

/// Singular values of a tall m×n matrix supplied in row blocks, via a running QR.
enum TallSkinnySVD {
    /// Fills rows `start ..< start+rows` of the matrix into a column-major destination:
    /// element (r, c) of the block at `destination[c·leadingDimension + r]`.
    typealias BlockFiller = (
        _ start: Int, _ rows: Int, _ destination: UnsafeMutablePointer<Double>, _ leadingDimension: Int
    ) -> Void

    /// σ of the m×n matrix, descending, count min(m, n).
    ///
    /// m ≤ blockRows: one dgesvd of the whole matrix. Otherwise a work array W of
    /// (n + blockRows) × n holds R (rows 0 … n−1, initially 0) above the next block; each step
    /// runs dgeqrf on [R; block], keeps the upper triangle as the new R (σ([R; B]) over all
    /// blocks equals σ(F) because Q is orthogonal), and finally dgesvd gives σ(R).
    static func singularValues(rows m: Int, columns n: Int, blockRows: Int, fill: BlockFiller) throws -> [Double] {
        if m <= blockRows {
            var a = [Double](repeating: 0, count: m * n)
            a.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                fill(0, m, base, m)
            }
            return try svd(&a, rows: m, columns: n, leadingDimension: m)
        }
        let lda = n + blockRows
        var work = [Double](repeating: 0, count: lda * n)
        var tau = [Double](repeating: 0, count: n)
        var start = 0
        while start < m {
            let rows = min(blockRows, m - start)
            let height = n + rows
            let info: Int32 = work.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return -1 }
                fill(start, rows, base + n, lda)
                let info = LAPACKE_dgeqrf(
                    LAPACK_COL_MAJOR, Int32(height), Int32(n), base, Int32(lda), &tau)
                // Keep R. The Householder vectors below the diagonal of the top n rows are zero
                // already (the top block was triangular); clear them anyway, cheaply, so R is exact.
                for c in 0..<n { for r in (c + 1)..<n { base[c * lda + r] = 0 } }
                return info
            }
            guard info == 0 else { throw SpectraError.lapackFailed(routine: "dgeqrf", info: Int(info)) }
            start += rows
        }
        return try svd(&work, rows: n, columns: n, leadingDimension: lda)
    }

    /// dgesvd (no vectors) of the column-major rows×columns matrix in `a` (destroyed).
    static func svd(_ a: inout [Double], rows: Int, columns: Int, leadingDimension: Int) throws -> [Double] {
        let p = min(rows, columns)
        var sigma = [Double](repeating: 0, count: p)
        var superb = [Double](repeating: 0, count: max(p - 1, 1))
        var u = [Double](repeating: 0, count: 1)
        var vt = [Double](repeating: 0, count: 1)
        let info = LAPACKE_dgesvd(
            LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "N")),
            Int32(rows), Int32(columns), &a, Int32(leadingDimension),
            &sigma, &u, 1, &vt, 1, &superb)
        guard info == 0 else { throw SpectraError.lapackFailed(routine: "dgesvd", info: Int(info)) }
        return sigma
    }
}
