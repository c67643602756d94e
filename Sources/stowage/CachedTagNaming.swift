import Store

extension CachedTag {
    /// How `ls` names the tag: `upstream/repository:tag`.
    var listedName: String { "\(upstream)/\(repository):\(tag)" }

    /// Whether `name` is this tag's repository, as clients name it (`app/api`) or as `ls` prints it
    /// (`hub/app/api`): so what `ls` prints can be given back to `ls`, `pin` and `unpin`.
    func isInRepository(named name: String) -> Bool {
        name == repository || name == "\(upstream)/\(repository)"
    }
}
