import OCI
import Store

extension CachedTag {
    /// How `ls` names the tag: `upstream/repository:tag`.
    var listedName: String { "\(upstream)/\(repository):\(tag)" }

    /// Whether `name` is this tag's repository, as clients name it (`app/api`) or as `ls` prints it
    /// (`hub/app/api`): so what `ls` prints can be given back to `ls`, `pin`, `unpin` and `rm`.
    func isInRepository(named name: String) -> Bool {
        name == repository || name == "\(upstream)/\(repository)"
    }
}

extension RepositoryKey {
    /// Whether `name` names this repository as clients do (`app/api`) or as `ls` prints it (`hub/app/api`).
    func isNamed(_ name: String) -> Bool {
        name == repository.value || name == "\(upstream)/\(repository)"
    }
}
