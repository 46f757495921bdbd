/// The SentencePiece work queue: a binary max-heap of candidate pairs ordered as llama.cpp
/// `llm_bigram_spm::comparator` orders its `std::priority_queue` — highest score first, then the
/// pair whose left symbol comes first.
struct BigramQueue {
    /// A candidate merge of symbols `left` and `right` (adjacent when queued) into a token of
    /// `size` bytes with score `score`.
    struct Bigram {
        var score: Float
        var left: Int32
        var right: Int32
        var size: Int32

        /// Whether `self` is popped before `other`.
        @inline(__always)
        func precedes(_ other: Bigram) -> Bool {
            score > other.score || (score == other.score && left < other.left)
        }
    }

    private var heap: [Bigram] = []

    mutating func push(_ bigram: Bigram) {
        heap.append(bigram)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard bigram.precedes(heap[parent]) else { break }
            heap[child] = heap[parent]
            child = parent
        }
        heap[child] = bigram
    }

    /// The first bigram in order, removed; `nil` when empty.
    mutating func pop() -> Bigram? {
        guard let last = heap.popLast() else { return nil }
        guard !heap.isEmpty else { return last }
        let first = heap[0]
        let count = heap.count
        var parent = 0
        while true {
            var child = 2 * parent + 1
            if child >= count { break }
            if child + 1 < count && heap[child + 1].precedes(heap[child]) { child += 1 }
            guard heap[child].precedes(last) else { break }
            heap[parent] = heap[child]
            parent = child
        }
        heap[parent] = last
        return first
    }
}
