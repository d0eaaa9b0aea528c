// Internal to sim/scenario: the YAML layer. A scenario file is read into a Tree —
// our own plain copy of the document, built from yaml-cpp's parser events — so
// that every limit is enforced while reading (size, encoding, nesting, node
// count including alias copies) and nothing downstream can meet a shared or
// cyclic yaml-cpp node. tree.cpp is the only file that includes yaml-cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "scenario/load.hpp"  // the limits

namespace pfsim::scenario::internal {

// Where a node came from: a source of the load and a byte offset in its text.
struct Origin {
  std::uint32_t source = 0;
  std::uint32_t pos = 0;
};

// The texts one load reads: the scenario file, the files it extends, --set values.
class Sources {
 public:
  // A leading UTF-8 byte-order mark is dropped (columns then match editors').
  // `positions`: whether byte offsets in `text` mean anything to a user (false
  // for --set values and schema defaults: they are reported without line).
  std::uint32_t add(std::string name, std::string text, bool positions = true);
  [[nodiscard]] const std::string& name(std::uint32_t source) const { return at(source).name; }
  [[nodiscard]] const std::string& text(std::uint32_t source) const { return at(source).text; }
  [[nodiscard]] bool has_positions(std::uint32_t source) const { return at(source).positions; }
  // 1-based line and column; the column counts characters (UTF-8 code points).
  [[nodiscard]] SourceLocation locate(Origin origin) const;

 private:
  struct Source {
    std::string name;
    std::string text;
    bool positions = true;
    std::vector<std::uint32_t> line_starts;
  };
  [[nodiscard]] const Source& at(std::uint32_t source) const;
  std::deque<Source> sources_;  // stable addresses: names are handed out by reference
};

struct TreeEntry;

// One YAML value. Mappings keep their entries in file order.
struct Tree {
  enum class Kind : std::uint8_t { null, scalar, sequence, mapping };
  Kind kind = Kind::null;
  bool quoted = false;  // scalar written in quotes or as a block scalar
  Origin origin;
  std::uint32_t index = 0;         // position in the sequence it was written in (for key paths)
  std::string text;                // scalar text
  std::string tag;                 // an explicit YAML tag (unsupported; reported), else empty
  std::vector<Tree> items;         // sequence
  std::vector<TreeEntry> entries;  // mapping

  [[nodiscard]] bool is_scalar() const { return kind == Kind::scalar; }
  [[nodiscard]] bool is_mapping() const { return kind == Kind::mapping; }
  [[nodiscard]] bool is_sequence() const { return kind == Kind::sequence; }
  // The value under a scalar key of a mapping, or nullptr.
  [[nodiscard]] const Tree* find(std::string_view key) const;
  [[nodiscard]] Tree* find(std::string_view key);
  static Tree scalar(std::string text, Origin origin = {});
  static Tree mapping(Origin origin = {});
  static Tree sequence(Origin origin = {});
};

struct TreeEntry {
  Tree key;
  Tree value;
};

// Collects diagnostics; after max_reported_problems it only counts them.
class Reporter {
 public:
  explicit Reporter(const Sources& sources) : sources_(sources) {}
  void at(const Tree& node, std::string key_path, std::string message, std::string hint = {});
  void at(Origin origin, std::string key_path, std::string message, std::string hint = {});
  void add(Diagnostic d);
  [[nodiscard]] bool empty() const { return total_ == 0; }
  // Whether further problems are only counted (their hints need not be computed).
  [[nodiscard]] bool full() const { return total_ >= max_reported_problems; }
  [[nodiscard]] std::size_t count() const { return total_; }
  // Whether a problem was reported for `key_path` or a key below it.
  [[nodiscard]] bool any_at(std::string_view key_path) const;
  [[nodiscard]] const Sources& sources() const { return sources_; }
  // The diagnostics in file order (--set last, in command-line order), plus a line counting
  // those not shown.
  [[nodiscard]] std::vector<Diagnostic> take();

 private:
  struct Shown {
    Diagnostic diagnostic;
    Origin origin;  // for the order of the list
    bool positioned = false;
  };
  const Sources& sources_;
  std::vector<Shown> shown_;
  std::set<std::string, std::less<>> key_paths_;
  std::size_t total_ = 0;
};

// Reads one YAML document from sources.text(source) (an empty text is a null
// tree). Throws pfsim::UserError with one located diagnostic when the text is
// not valid UTF-8, holds control characters, is not valid YAML, holds more than
// one document, or breaks a limit (nesting, node count, alias cycle).
[[nodiscard]] Tree parse_yaml(const Sources& sources, std::uint32_t source);

// Reports and removes what the loader does not accept anywhere in a tree:
// explicit tags, keys that are not scalars, duplicate keys (the first is kept).
void check_tree(Reporter& report, Tree& tree, const std::string& key_path);

// Block-style YAML for a tree of scalars, sequences and mappings (no nulls).
[[nodiscard]] std::string emit_yaml(const Tree& tree);

// How a value reads in a message: "a mapping", "a list", "nothing (null)", "\"text\"".
[[nodiscard]] std::string describe(const Tree& tree);

// 'text' in single quotes, cut after 60 characters.
[[nodiscard]] std::string quoted(std::string_view text);

// Longest mapping key accepted (keys are short names; this bounds key paths).
inline constexpr std::size_t max_key_bytes = 128;

// "a.b" from "a" and "b"; "b" from "" and "b".
[[nodiscard]] std::string join_key(const std::string& prefix, std::string_view key);

}  // namespace pfsim::scenario::internal
