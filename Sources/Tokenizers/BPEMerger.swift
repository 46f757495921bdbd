/// Byte-level BPE inside one pre-tokenizer word, as llama.cpp `llm_tokenizer_bpe_session::tokenize`
/// (`src/llama-vocab.cpp`): start from one symbol per byte, then repeatedly merge the adjacent pair
/// with the lowest merge rank, the leftmost one on ties, until no adjacent pair has a merge.
///
/// Symbols are token ids, so a merge lookup is one hash probe on the pair of ids. A byte whose
/// byte-level token is missing from the vocabulary gets no symbol id: it never merges and is
/// dropped from the output, exactly as llama.cpp drops it. Cost O(n log n) for a word of n bytes
/// (binary heap of candidate pairs, stale entries skipped when popped).
struct BPEMerger: Sendable {
    /// Token id of the byte-level token for each byte, or `missingByte`; 256 entries.
    let byteTokenIDs: [Int32]
    let merges: MergeTable

    /// Marks a byte without a byte-level token.
    static let missingByte: Int32 = -1
    /// Marks a symbol that was merged into its left neighbour.
    private static let consumed: Int32 = .min

    /// Reusable buffers, so that encoding a long text allocates per text, not per word.
    struct Workspace {
        var ids: [Int32] = []
        var next: [Int32] = []
        var previous: [Int32] = []
        var heap: [UInt64] = []
    }

    /// Appends the token ids of `word` (UTF-8 bytes of one pre-tokenizer word) to `output`.
    func appendTokens(of word: UnsafeBufferPointer<UInt8>, to output: inout [Int32], workspace: inout Workspace) {
        let count = word.count
        if count == 0 { return }
        if count == 1 {
            appendIfPresent(byteTokenIDs[Int(word[0])], to: &output)
            return
        }
        if count == 2 {
            let left = byteTokenIDs[Int(word[0])]
            let right = byteTokenIDs[Int(word[1])]
            if left >= 0, right >= 0, let merge = merges.merge(left: left, right: right) {
                output.append(merge.result)
            } else {
                appendIfPresent(left, to: &output)
                appendIfPresent(right, to: &output)
            }
            return
        }
        mergeLongWord(word, output: &output, workspace: &workspace)
    }

    @inline(__always)
    private func appendIfPresent(_ id: Int32, to output: inout [Int32]) {
        if id >= 0 { output.append(id) }
    }

    private func mergeLongWord(_ word: UnsafeBufferPointer<UInt8>, output: inout [Int32], workspace: inout Workspace) {
        let count = word.count
        workspace.ids.removeAll(keepingCapacity: true)
        workspace.next.removeAll(keepingCapacity: true)
        workspace.previous.removeAll(keepingCapacity: true)
        workspace.heap.removeAll(keepingCapacity: true)
        for index in 0..<count {
            workspace.ids.append(byteTokenIDs[Int(word[index])])
            workspace.next.append(index + 1 < count ? Int32(index + 1) : -1)
            workspace.previous.append(Int32(index - 1))
        }
        for index in 0..<(count - 1) {
            pushCandidate(left: Int32(index), right: Int32(index + 1), workspace: &workspace)
        }
        while let entry = popMinimum(&workspace.heap) {
            let rank = Int32(truncatingIfNeeded: entry >> 32)
            let left = Int(UInt32(truncatingIfNeeded: entry))
            let leftID = workspace.ids[left]
            let right = Int(workspace.next[left])
            guard leftID >= 0, right >= 0 else { continue }
            let rightID = workspace.ids[right]
            guard rightID >= 0, let merge = merges.merge(left: leftID, right: rightID), merge.rank == rank
            else { continue }  // stale: one side changed since the pair was queued
            workspace.ids[left] = merge.result
            workspace.ids[right] = Self.consumed
            let after = workspace.next[right]
            workspace.next[left] = after
            if after >= 0 { workspace.previous[Int(after)] = Int32(left) }
            let before = workspace.previous[left]
            if before >= 0 { pushCandidate(left: before, right: Int32(left), workspace: &workspace) }
            if after >= 0 { pushCandidate(left: Int32(left), right: after, workspace: &workspace) }
        }
        var index = 0
        while index >= 0 {
            appendIfPresent(workspace.ids[index], to: &output)
            index = Int(workspace.next[index])
        }
    }

    /// Queues the pair (left, right) if it merges; key = rank · 2^32 + left, so the heap minimum is
    /// the lowest rank, then the leftmost pair (llama.cpp `llm_bigram_bpe::comparator`).
    @inline(__always)
    private func pushCandidate(left: Int32, right: Int32, workspace: inout Workspace) {
        let leftID = workspace.ids[Int(left)]
        let rightID = workspace.ids[Int(right)]
        guard leftID >= 0, rightID >= 0, let merge = merges.merge(left: leftID, right: rightID) else { return }
        pushHeap(&workspace.heap, UInt64(UInt32(bitPattern: merge.rank)) << 32 | UInt64(UInt32(bitPattern: left)))
    }

    private func pushHeap(_ heap: inout [UInt64], _ value: UInt64) {
        heap.append(value)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if heap[parent] <= value { break }
            heap[child] = heap[parent]
            child = parent
        }
        heap[child] = value
    }

    private func popMinimum(_ heap: inout [UInt64]) -> UInt64? {
        guard let last = heap.popLast() else { return nil }
        guard !heap.isEmpty else { return last }
        let minimum = heap[0]
        let count = heap.count
        var parent = 0
        while true {
            var child = 2 * parent + 1
            if child >= count { break }
            if child + 1 < count && heap[child + 1] < heap[child] { child += 1 }
            if last <= heap[child] { break }
            heap[parent] = heap[child]
            parent = child
        }
        heap[parent] = last
        return minimum
    }
}
