/// The texts of a needle-in-a-haystack prompt. `{key}` in `needle` and `answer` is replaced by
/// each trial's key (the passkey form); without it every trial asks the same thing.
///
/// Defaults: the passkey retrieval prompt of Landmark Attention / LongLoRA
/// (`passkey_retrivial.py`): a task line, the filler, "The pass key is K. Remember it. K is the
/// pass key." at the needle's depth, and the question "What is the pass key? The pass key is",
/// whose continuation " K" is the answer.
public struct PasskeyTemplate: Equatable, Sendable, Codable {
    /// Text before the haystack (no leading space), "" for none.
    public var task: String
    /// The planted fact (its leading space separates it from the sentence before).
    public var needle: String
    /// Text after the haystack, ending where the answer starts.
    public var question: String
    /// The expected continuation of the question.
    public var answer: String

    public init(task: String, needle: String, question: String, answer: String) {
        self.task = task
        self.needle = needle
        self.question = question
        self.answer = answer
    }

    /// The passkey prompt (see the type).
    public static let passkey = PasskeyTemplate(
        task: "There is an important info hidden inside a lot of irrelevant text. Find it and memorize it. "
            + "I will quiz you about the important information there.",
        needle: " The pass key is {key}. Remember it. {key} is the pass key.",
        question: " What is the pass key? The pass key is", answer: " {key}")

    /// The placeholder replaced by a trial's key.
    public static let placeholder = "{key}"

    /// True when the answer depends on the trial's key.
    public var usesKey: Bool { answer.contains(Self.placeholder) }

    /// `text` with every `{key}` replaced by `key`.
    public static func filled(_ text: String, key: String) -> String {
        text.replacingOccurrences(of: placeholder, with: key)
    }
}

/// One built prompt: its tokens (exactly the requested context length) and where the needle went.
public struct PasskeyPrompt: Equatable, Sendable {
    /// [BOS] + task + haystack[0..<b] + needle + haystack[b..<H] + question, count = L.
    public let tokens: [Int32]
    /// Token ids of the answer (the continuation to retrieve), count ≥ 1.
    public let answer: [Int32]
    /// H, haystack tokens in the prompt.
    public let haystackTokens: Int
    /// b, haystack tokens before the needle (a sentence boundary, 0 or H).
    public let needleOffset: Int
    /// Index of the needle's first token in `tokens`.
    public let needlePosition: Int

    /// b/H (1 when H = 0): the depth the needle actually has after snapping.
    public var actualDepth: Double { haystackTokens == 0 ? 1 : Double(needleOffset) / Double(haystackTokens) }

    /// Builds the prompt of exactly `contextLength` tokens. Every piece is tokenised on its own
    /// (`tokenize`, no BOS) and the token lists are concatenated, so lengths add up exactly:
    /// ```
    /// H = L − [BOS] − |task| − |needle| − |question|       (haystack tokens, the first H of the stream)
    /// b = the boundary in {0, H, ends of whole sentences < H} nearest to depth·H (ties: the earlier)
    /// ```
    /// - Throws: `ProbeError.invalidParameter` (names `--context-length`) when H < |needle|, and the
    ///   haystack's `haystackTooShort` when it has fewer than H tokens; `.emptyText` for an answer
    ///   that tokenises to nothing.
    public static func build(template: PasskeyTemplate, key: String, contextLength: Int, depth: Double,
                             haystack: Haystack, bos: Int32?, tokenize: (String) -> [Int32]) throws -> PasskeyPrompt {
        let task = template.task.isEmpty ? [] : tokenize(template.task)
        let needle = tokenize(PasskeyTemplate.filled(template.needle, key: key))
        let question = tokenize(template.question)
        let answer = tokenize(PasskeyTemplate.filled(template.answer, key: key))
        guard !answer.isEmpty else { throw ProbeError.emptyText }
        let fixed = (bos == nil ? 0 : 1) + task.count + needle.count + question.count
        let haystackCount = contextLength - fixed
        guard haystackCount >= needle.count else {
            throw ProbeError.invalidParameter(
                name: "--context-length", value: "\(contextLength)",
                allowed: "at least \(fixed + needle.count) tokens: the needle (\(needle.count) tokens) is longer than the haystack "
                    + "(\(max(0, haystackCount)) tokens left after \(fixed - needle.count) tokens of BOS, task and question)")
        }
        let (hay, boundaries) = try haystack.prefix(haystackCount, contextLength: contextLength)
        let target = depth * Double(haystackCount)
        var offset = 0
        for boundary in boundaries where abs(Double(boundary) - target) < abs(Double(offset) - target) { offset = boundary }
        let head = (bos.map { [$0] } ?? []) + task + hay[0..<offset]
        let tokens = head + needle + hay[offset...] + question
        return PasskeyPrompt(tokens: Array(tokens), answer: answer, haystackTokens: haystackCount, needleOffset: offset,
                             needlePosition: head.count)
    }
}

/// The filler text as a stream of sentence tokens: each sentence (a maximal run of
/// whitespace-separated words ending with a word whose last character is `.`, `!` or `?`, or
/// the text's last words) is written as " " + its words joined by single spaces and tokenised on
/// its own. The default filler repeats without end; a haystack file is used once.
public struct Haystack: Sendable {
    /// The classic passkey filler (LongLoRA / Landmark Attention).
    public static let defaultFiller = "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again."

    /// Where the text came from (a path, or "default filler").
    public let label: String
    /// Token ids of each sentence, in order.
    public let sentences: [[Int32]]
    /// True when the stream cycles through `sentences` without end.
    public let repeats: Bool

    /// Splits and tokenises `text`; throws `.emptyText` when it has no word.
    public init(text: String, label: String, repeats: Bool, tokenize: (String) -> [Int32]) throws {
        var sentences: [[Int32]] = []
        var words: [Substring] = []
        for word in text.split(whereSeparator: \.isWhitespace) {
            words.append(word)
            if let last = word.last, ".!?".contains(last) {
                sentences.append(tokenize(" " + words.joined(separator: " ")))
                words = []
            }
        }
        if !words.isEmpty { sentences.append(tokenize(" " + words.joined(separator: " "))) }
        sentences.removeAll { $0.isEmpty }
        guard !sentences.isEmpty else { throw ProbeError.emptyText }
        self.label = label
        self.sentences = sentences
        self.repeats = repeats
    }

    /// Tokens in the whole text (one pass).
    public var tokenCount: Int { sentences.reduce(0) { $0 + $1.count } }

    /// The first `count` tokens of the stream and the needle boundaries among them: 0, `count`,
    /// and the end of every whole sentence before `count`. Throws `haystackTooShort` when a
    /// non-repeating text has fewer than `count` tokens.
    func prefix(_ count: Int, contextLength: Int) throws -> (tokens: [Int32], boundaries: [Int]) {
        if !repeats, tokenCount < count {
            throw ProbeError.haystackTooShort(path: label, tokens: tokenCount, sentences: sentences.count, needed: count,
                                              contextLength: contextLength)
        }
        var tokens: [Int32] = []
        tokens.reserveCapacity(count)
        var boundaries = [0]
        var index = 0
        while tokens.count < count {
            let sentence = sentences[index % sentences.count]
            tokens += sentence.prefix(count - tokens.count)
            if tokens.count < count { boundaries.append(tokens.count) }
            index += 1
        }
        boundaries.append(count)
        return (tokens, boundaries)
    }
}
