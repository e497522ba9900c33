import Foundation

/// The one rule for likes and dislikes ("More like this", "Not for me"): a
/// paper is liked or disliked, never both. The feedback pages and the CLI's
/// `like`, `unlike`, `dislike` and `undislike` all go through it.
extension SubscriberPreferences {
    /// Records a reader's feedback on a paper: "More like this" is a like
    /// (and no longer a dislike), "Not for me" a dislike (and no longer a
    /// like); `undo` takes that one back.
    public mutating func record(_ feedback: ReaderLinks.Feedback, on paperID: String, undo: Bool) {
        switch (feedback, undo) {
        case (.moreLikeThis, false):
            if !likes.contains(paperID) { likes.append(paperID) }
            dislikes.removeAll { $0 == paperID }
        case (.moreLikeThis, true):
            likes.removeAll { $0 == paperID }
        case (.notForMe, false):
            if !dislikes.contains(paperID) { dislikes.append(paperID) }
            likes.removeAll { $0 == paperID }
        case (.notForMe, true):
            dislikes.removeAll { $0 == paperID }
        }
    }
}
