// The YAML layer (see tree.hpp). yaml-cpp is used only here, and only through
// its event parser and emitter: its Node API shares aliased nodes (an alias bomb
// is small on disk and huge when walked; `&a [*a]` is a cycle), so we build our
// own tree and pay for every alias copy out of a fixed node budget.
#include "scenario/internal/tree.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <sstream>

namespace pfsim::scenario::internal {

// ---- sources ------------------------------------------------------------------

std::uint32_t Sources::add(std::string name, std::string text, bool positions) {
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
  Source s;
  s.name = std::move(name);
  s.text = std::move(text);
  s.positions = positions;
  s.line_starts.push_back(0);
  for (std::size_t i = 0; i < s.text.size(); ++i)
    if (s.text[i] == '\n') s.line_starts.push_back(static_cast<std::uint32_t>(i + 1));
  sources_.push_back(std::move(s));
  return static_cast<std::uint32_t>(sources_.size() - 1);
}

const Sources::Source& Sources::at(std::uint32_t source) const {
  if (source >= sources_.size()) throw InternalError("scenario loader: unknown source index");
  return sources_[source];
}

SourceLocation Sources::locate(Origin origin) const {
  const Source& s = at(origin.source);
  SourceLocation where;
  where.file = s.name;
  if (!s.positions) return where;
  const std::size_t pos = std::min<std::size_t>(origin.pos, s.text.size());
  const auto it = std::upper_bound(s.line_starts.begin(), s.line_starts.end(), pos);
  const std::size_t line = static_cast<std::size_t>(it - s.line_starts.begin());  // 1-based
  int column = 1;
  for (std::size_t i = s.line_starts[line - 1]; i < pos; ++i)
    if ((static_cast<unsigned char>(s.text[i]) & 0xC0) != 0x80) ++column;
  where.line = static_cast<int>(line);
  where.column = column;
  return where;
}

// ---- trees --------------------------------------------------------------------

const Tree* Tree::find(std::string_view key) const {
  for (const TreeEntry& e : entries)
    if (e.key.kind == Kind::scalar && e.key.text == key) return &e.value;
  return nullptr;
}

Tree* Tree::find(std::string_view key) {
  return const_cast<Tree*>(static_cast<const Tree&>(*this).find(key));
}

Tree Tree::scalar(std::string text, Origin origin) {
  Tree t;
  t.kind = Kind::scalar;
  t.text = std::move(text);
  t.origin = origin;
  return t;
}

Tree Tree::mapping(Origin origin) {
  Tree t;
  t.kind = Kind::mapping;
  t.origin = origin;
  return t;
}

Tree Tree::sequence(Origin origin) {
  Tree t;
  t.kind = Kind::sequence;
  t.origin = origin;
  return t;
}

namespace {
// At most `shown` bytes of `text`, not splitting a UTF-8 sequence, with "…" if cut.
std::string shortened(std::string_view text) {
  constexpr std::size_t shown = 60;
  if (text.size() <= shown) return std::string(text);
  std::size_t cut = shown;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "…";
}
}  // namespace

std::string describe(const Tree& tree) {
  switch (tree.kind) {
    case Tree::Kind::mapping:
      return "a mapping";
    case Tree::Kind::sequence:
      return "a list";
    case Tree::Kind::null:
      return "nothing (null)";
    case Tree::Kind::scalar:
      break;
  }
  if (tree.text.size() <= 60) return "\"" + tree.text + "\"";
  return "\"" + shortened(tree.text) + "\" (" + std::to_string(tree.text.size()) + " bytes)";
}

std::string quoted(std::string_view text) {
  return "'" + shortened(text) + "'";
}

std::string join_key(const std::string& prefix, std::string_view key) {
  std::string out = prefix;
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

// ---- diagnostics --------------------------------------------------------------

void Reporter::at(const Tree& node, std::string key_path, std::string message, std::string hint) {
  at(node.origin, std::move(key_path), std::move(message), std::move(hint));
}

void Reporter::at(Origin origin, std::string key_path, std::string message, std::string hint) {
  Diagnostic d;
  if (total_ < max_reported_problems) d.where = sources_.locate(origin);
  d.key_path = std::move(key_path);
  d.message = std::move(message);
  d.hint = std::move(hint);
  add(std::move(d));
  if (!shown_.empty() && total_ <= max_reported_problems) {
    shown_.back().origin = origin;
    shown_.back().positioned = sources_.has_positions(origin.source);
  }
}

void Reporter::add(Diagnostic d) {
  ++total_;
  key_paths_.insert(d.key_path);
  if (shown_.size() < max_reported_problems) shown_.push_back(Shown{std::move(d), Origin{}, false});
}

bool Reporter::any_at(std::string_view key_path) const {
  // Paths that start with key_path are contiguous in the sorted set.
  for (auto it = key_paths_.lower_bound(key_path); it != key_paths_.end(); ++it) {
    const std::string& k = *it;
    if (k.compare(0, key_path.size(), key_path) != 0) break;
    if (k.size() == key_path.size() || k[key_path.size()] == '.' || k[key_path.size()] == '[')
      return true;
  }
  return false;
}

std::vector<Diagnostic> Reporter::take() {
  std::stable_sort(shown_.begin(), shown_.end(), [](const Shown& a, const Shown& b) {
    if (a.positioned != b.positioned) return a.positioned;
    // Unlocated: by source, which keeps --set problems in command-line order.
    if (!a.positioned) return a.origin.source < b.origin.source;
    return a.origin.source != b.origin.source ? a.origin.source < b.origin.source
                                              : a.origin.pos < b.origin.pos;
  });
  std::vector<Diagnostic> out;
  for (Shown& s : shown_) out.push_back(std::move(s.diagnostic));
  if (total_ > out.size()) {
    Diagnostic d;
    d.where.file = out.empty() ? std::string() : out.front().where.file;
    d.message = std::to_string(total_ - out.size()) + " more problems not shown";
    d.hint = "fix the problems above and run again";
    out.push_back(std::move(d));
  }
  shown_.clear();
  key_paths_.clear();
  total_ = 0;
  return out;
}

// ---- reading ------------------------------------------------------------------

namespace {

// A problem that ends the reading of one file.
struct Stop {
  std::size_t pos = 0;
  std::string message;
  std::string hint;
};

std::string nesting_message() {
  return "nesting deeper than " + std::to_string(max_nesting_depth) + " levels";
}
constexpr const char* nesting_hint =
    "scenario files need only a few levels; is a bracket left open?";

// Encoding: UTF-8 without control characters (YAML's printable set), LF or CRLF.
void check_encoding(std::string_view text) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  if (text.size() >= 2 &&
      ((byte(0) == 0xFF && byte(1) == 0xFE) || (byte(0) == 0xFE && byte(1) == 0xFF)))
    throw Stop{0, "the file is UTF-16 or UTF-32 encoded", "save it as UTF-8"};
  if (text.size() >= 4 && byte(0) == 0 && byte(1) == 0 && byte(2) == 0xFE && byte(3) == 0xFF)
    throw Stop{0, "the file is UTF-32 encoded", "save it as UTF-8"};
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = byte(i);
    char code[40];
    if (c < 0x80) {
      if (c == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n'))
        throw Stop{i, "carriage return (\\r) without a line feed",
                   "save the file with LF or CRLF line endings"};
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
        std::snprintf(code, sizeof code, "control character U+%04X is not allowed", c);
        throw Stop{i, code, "remove it; only tab, line feed and carriage return may appear"};
      }
      ++i;
      continue;
    }
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    std::uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF)
      n = 1, cp = c & 0x1Fu;
    else if (c == 0xE0)
      n = 2, lo = 0xA0, cp = c & 0x0Fu;
    else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
      n = 2, cp = c & 0x0Fu;
    else if (c == 0xED)
      n = 2, hi = 0x9F, cp = c & 0x0Fu;
    else if (c == 0xF0)
      n = 3, lo = 0x90, cp = c & 0x07u;
    else if (c >= 0xF1 && c <= 0xF3)
      n = 3, cp = c & 0x07u;
    else if (c == 0xF4)
      n = 3, hi = 0x8F, cp = c & 0x07u;
    bool ok = n > 0;
    for (std::size_t k = 1; ok && k <= n; ++k) {
      if (i + k >= text.size()) {
        ok = false;
        break;
      }
      const unsigned char b = byte(i + k);
      if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) ok = false;
      cp = (cp << 6) | (b & 0x3Fu);
    }
    if (!ok) {
      std::snprintf(code, sizeof code, "invalid UTF-8 (byte 0x%02X)", static_cast<unsigned>(c));
      throw Stop{i, code, "save the file as UTF-8"};
    }
    if ((cp >= 0x80 && cp <= 0x9F && cp != 0x85) || cp == 0xFFFE || cp == 0xFFFF) {
      std::snprintf(code, sizeof code, "control character U+%04X is not allowed",
                    static_cast<unsigned>(cp));
      throw Stop{i, code, "remove it"};
    }
    i += n + 1;
  }
}

// yaml-cpp reads a whole flow collection ([...] or {...}) into tokens before it
// reports its first value (a pending "simple key"), at ≈ 1-3 µs per token. So
// deep flow nesting and huge flow collections are refused before parsing: 1 MiB
// of "[1,1,1,…" would otherwise take seconds. Brackets in comments and quoted
// strings are not counted.
// Returns where the innermost bracket still open at the end is (npos if none).
std::size_t check_flow(std::string_view text) {
  std::vector<std::size_t> open;  // positions of the open brackets
  int depth = 0;
  std::size_t opened = 0;  // where the outermost open collection starts
  char quote = 0;
  bool comment = false;
  char prev = '\n';
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (depth > 0 && i - opened > max_flow_bytes)
      throw Stop{opened,
                 "a flow collection ([...] or {...}) longer than " +
                     std::to_string(max_flow_bytes) + " bytes",
                 "write long lists in block style, one item per line"};
    if (comment) {
      comment = c != '\n';
    } else if (quote != 0) {
      if (quote == '"' && c == '\\')
        ++i;
      else if (c == quote)
        quote = 0;
    } else if (c == '#' && (prev == ' ' || prev == '\t' || prev == '\n')) {
      comment = true;
    } else if ((c == '"' || c == '\'') &&
               (prev == ' ' || prev == '\t' || prev == '\n' || prev == '[' || prev == '{' ||
                prev == ',' || (prev == ':' && depth > 0))) {
      quote = c;
    } else if (c == '[' || c == '{') {
      if (depth == 0) opened = i;
      if (++depth > max_nesting_depth) throw Stop{i, nesting_message(), nesting_hint};
      open.push_back(i);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
      open.pop_back();
    }
    prev = c;
  }
  return open.empty() ? std::string_view::npos : open.back();
}

// Builds a Tree from parser events, enforcing depth, node budget and aliases.
class Builder : public YAML::EventHandler {
 public:
  Builder(std::string_view text, std::uint32_t source) : text_(text), source_(source) {}

  std::optional<Tree> root;

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Tree t;
    t.origin = origin(mark);
    // An empty value ("key:" and nothing) is marked at the next token: point at its key instead.
    if (!written_null(mark) && !stack_.empty() && stack_.back().key)
      t.origin = stack_.back().key->origin;
    complete(std::move(t), anchor, mark);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    for (const Frame& f : stack_)
      if (f.anchor == anchor && anchor != 0)
        throw Stop{position(mark),
                   "alias " + alias_name(anchor) + " refers to a value that contains it (a cycle)",
                   "an alias may only repeat a value that is complete"};
    const auto it = anchors_.find(anchor);
    if (it == anchors_.end())
      throw Stop{position(mark), "alias " + alias_name(anchor) + " is not defined",
                 "define &name before *name"};
    charge(it->second.size, mark, true);
    attach(Tree(it->second.tree), it->second.size);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    Tree t = Tree::scalar(value, origin(mark));
    t.quoted = tag == "!";
    if (t.quoted && !closed_quote(position(mark)))
      throw Stop{position(mark), "a quoted string is never closed", "add the closing quote"};
    if (tag != "?" && tag != "!") t.tag = tag;
    complete(std::move(t), anchor, mark);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(Tree::sequence(origin(mark)), tag, anchor, mark);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(Tree::mapping(origin(mark)), tag, anchor, mark);
  }
  void OnMapEnd() override { close(); }

  void OnAnchor(const YAML::Mark&, const std::string& name) override {
    anchor_names_.push_back(name);
  }

 private:
  struct Frame {
    Tree node;
    YAML::anchor_t anchor = 0;
    std::size_t size = 1;     // nodes in this subtree so far
    std::size_t pos = 0;      // where it starts
    std::optional<Tree> key;  // a mapping's key awaiting its value
  };
  struct Anchored {
    Tree tree;
    std::size_t size = 0;
  };

  std::string_view text_;
  std::uint32_t source_;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, Anchored> anchors_;
  std::vector<std::string>
      anchor_names_;  // yaml-cpp numbers anchors 1, 2, … in order of definition
  std::size_t nodes_ = 0;

  static std::size_t position(const YAML::Mark& mark) {
    return mark.pos > 0 ? static_cast<std::size_t>(mark.pos) : 0;
  }
  Origin origin(const YAML::Mark& mark) const {
    return Origin{source_, static_cast<std::uint32_t>(std::min(position(mark), text_.size()))};
  }

  bool written_null(const YAML::Mark& mark) const {
    const std::string_view rest = text_.substr(std::min(position(mark), text_.size()));
    for (const std::string_view word : {"~", "null", "Null", "NULL"})
      if (rest.substr(0, word.size()) == word) return true;
    return false;
  }

  // yaml-cpp ends a quoted scalar that is never closed at the end of the file
  // without complaint; so check that its closing quote exists.
  bool closed_quote(std::size_t pos) const {
    if (pos >= text_.size() || (text_[pos] != '"' && text_[pos] != '\''))
      return true;  // a block scalar
    const char q = text_[pos];
    for (std::size_t i = pos + 1; i < text_.size(); ++i) {
      if (q == '"' && text_[i] == '\\') {
        ++i;
      } else if (text_[i] == q) {
        if (q == '\'' && i + 1 < text_.size() && text_[i + 1] == '\'')
          ++i;  // '' is an escaped quote
        else
          return true;
      }
    }
    return false;
  }

  std::string alias_name(YAML::anchor_t anchor) const {
    if (anchor >= 1 && anchor <= anchor_names_.size())
      return "'*" + anchor_names_[anchor - 1] + "'";
    return "'*?'";
  }

  void charge(std::size_t n, const YAML::Mark& mark, bool alias) {
    nodes_ += n;
    if (nodes_ > max_nodes)
      throw Stop{position(mark),
                 "the document has more than " + std::to_string(max_nodes) + " values" +
                     (alias ? " once its aliases are expanded (an alias bomb?)" : ""),
                 alias ? "aliases (*name) copy the value they name; repeat fewer of them"
                       : "scenario files are small; is this the right file?"};
  }

  void open(Tree node, const std::string& tag, YAML::anchor_t anchor, const YAML::Mark& mark) {
    if (stack_.size() + 1 > static_cast<std::size_t>(max_nesting_depth))
      throw Stop{position(mark), nesting_message(), nesting_hint};
    charge(1, mark, false);
    if (tag != "?") node.tag = tag;
    Frame f;
    f.node = std::move(node);
    f.anchor = anchor;
    f.pos = position(mark);
    stack_.push_back(std::move(f));
  }

  void close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    retain(f.node, f.anchor, f.size, f.pos);
    attach(std::move(f.node), f.size);
  }

  void complete(Tree node, YAML::anchor_t anchor, const YAML::Mark& mark) {
    charge(1, mark, false);
    retain(node, anchor, 1, position(mark));
    attach(std::move(node), 1);
  }

  // Keeps a copy of an anchored value for later aliases; the copy is paid for too.
  void retain(const Tree& node, YAML::anchor_t anchor, std::size_t size, std::size_t pos) {
    if (anchor == 0) return;
    YAML::Mark mark;
    mark.pos = static_cast<int>(pos);
    charge(size, mark, true);
    anchors_[anchor] = Anchored{node, size};
  }

  void attach(Tree node, std::size_t size) {
    if (stack_.empty()) {
      root = std::move(node);
      return;
    }
    Frame& parent = stack_.back();
    parent.size += size;
    if (parent.node.kind == Tree::Kind::sequence) {
      node.index = static_cast<std::uint32_t>(parent.node.items.size());
      parent.node.items.push_back(std::move(node));
    } else if (!parent.key) {
      parent.key = std::move(node);
    } else {
      parent.node.entries.push_back(TreeEntry{std::move(*parent.key), std::move(node)});
      parent.key.reset();
    }
  }
};

// Refuses the start of a second document.
class SecondDocument : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    throw Stop{mark.pos > 0 ? static_cast<std::size_t>(mark.pos) : 0,
               "a second YAML document starts here",
               "a scenario file holds one document; remove the '---' line or split the file"};
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// yaml-cpp's messages are terse; say what usually causes them.
std::string hint_for(const std::string& msg) {
  if (msg.find("illegal map value") != std::string::npos)
    return "a 'key: value' is not allowed here; check the indentation, and quote values that "
           "contain ': '";
  if (msg.find("end of sequence flow not found") != std::string::npos)
    return "a '[' is not closed by ']'";
  if (msg.find("end of map flow not found") != std::string::npos)
    return "a '{' is not closed by '}'";
  if (msg.find("end of map not found") != std::string::npos ||
      msg.find("end of sequence not found") != std::string::npos)
    return "check the indentation";
  if (msg.find("multiple anchors") != std::string::npos)
    return "a value can have one anchor (&name)";
  if (msg.find("multiple tags") != std::string::npos) return "a value can have one tag";
  if (msg.find("anchor") != std::string::npos) return "define &name before using *name";
  if (msg.find("quote") != std::string::npos || msg.find("escape") != std::string::npos)
    return "check the quotes; inside double quotes write \\\\ for a backslash";
  return {};
}

// A tab in a line's indentation, at or before `line_end`: YAML forbids it, and
// yaml-cpp then reports something unrelated further on.
std::optional<std::size_t> indentation_tab(std::string_view text, std::size_t line_end) {
  bool at_line_start = true;
  for (std::size_t i = 0; i < text.size() && i <= line_end; ++i) {
    const char c = text[i];
    if (c == '\n') {
      at_line_start = true;
    } else if (at_line_start && c == '\t') {
      return i;
    } else if (c != ' ') {
      at_line_start = false;
    }
  }
  return std::nullopt;
}

UserError stop_error(const Sources& sources, std::uint32_t source, const Stop& s) {
  Diagnostic d;
  d.where = sources.locate(Origin{source, static_cast<std::uint32_t>(s.pos)});
  d.message = s.message;
  d.hint = s.hint;
  return UserError(std::move(d));
}

}  // namespace

Tree parse_yaml(const Sources& sources, std::uint32_t source) {
  const std::string& text = sources.text(source);
  Builder builder(text, source);
  std::size_t unclosed = std::string_view::npos;
  try {
    check_encoding(text);
    unclosed = check_flow(text);
    std::istringstream in(text);
    YAML::Parser parser(in);
    if (parser.HandleNextDocument(builder)) {
      SecondDocument second;
      (void)parser.HandleNextDocument(second);
    }
  } catch (const Stop& s) {
    throw stop_error(sources, source, s);
  } catch (const YAML::Exception& e) {
    const std::size_t at = e.mark.pos > 0 ? static_cast<std::size_t>(e.mark.pos) : 0;
    if (dynamic_cast<const YAML::DeepRecursion*>(&e) != nullptr)
      throw stop_error(sources, source, Stop{at, nesting_message(), nesting_hint});
    // yaml-cpp reports an unclosed bracket at the end of the file; point at the bracket.
    if (unclosed != std::string_view::npos && e.msg.find("flow not found") != std::string::npos) {
      const char close = text[unclosed] == '[' ? ']' : '}';
      throw stop_error(
          sources, source,
          Stop{unclosed, std::string("invalid YAML: this '") + text[unclosed] + "' is never closed",
               std::string("close it with '") + close + "'"});
    }
    const std::size_t line_end = text.find('\n', std::min(at, text.size()));
    if (const auto tab =
            indentation_tab(text, line_end == std::string::npos ? text.size() : line_end))
      throw stop_error(
          sources, source,
          Stop{*tab, "tab character in indentation", "YAML indents with spaces; replace the tab"});
    throw stop_error(sources, source, Stop{at, "invalid YAML: " + e.msg, hint_for(e.msg)});
  }
  if (builder.root) return std::move(*builder.root);
  Tree empty;
  empty.origin = Origin{source, 0};
  return empty;
}

namespace {
// "!!str" as the user wrote it, not yaml-cpp's expanded "tag:yaml.org,2002:str".
std::string tag_text(const std::string& tag) {
  constexpr std::string_view core = "tag:yaml.org,2002:";
  return tag.compare(0, core.size(), core) == 0 ? "!!" + tag.substr(core.size()) : tag;
}
}  // namespace

void check_tree(Reporter& report, Tree& tree, const std::string& key_path) {
  if (!tree.tag.empty()) {
    report.at(tree, key_path, "YAML tags are not supported, found " + quoted(tag_text(tree.tag)),
              "remove the tag: values take their type from the schema");
    tree.tag.clear();
  }
  if (tree.kind == Tree::Kind::sequence) {
    for (Tree& item : tree.items)
      check_tree(report, item, key_path + "[" + std::to_string(item.index) + "]");
    return;
  }
  if (tree.kind != Tree::Kind::mapping) return;
  std::vector<TreeEntry> kept;
  kept.reserve(tree.entries.size());
  std::map<std::string, Origin, std::less<>> seen;
  for (TreeEntry& e : tree.entries) {
    if (!e.key.tag.empty()) {
      report.at(e.key, key_path,
                "YAML tags are not supported, found " + quoted(tag_text(e.key.tag)),
                "remove the tag: values take their type from the schema");
      e.key.tag.clear();
    }
    if (!e.key.is_scalar()) {
      report.at(e.key, key_path, "keys must be plain names, found " + describe(e.key));
      continue;
    }
    if (e.key.text.size() > max_key_bytes) {
      report.at(e.key, key_path,
                "key " + quoted(e.key.text) + " is " + std::to_string(e.key.text.size()) +
                    " bytes long; keys are short names",
                "is a ':' missing between a key and its value?");
      continue;
    }
    const std::string path = join_key(key_path, e.key.text);
    if (const auto first = seen.find(e.key.text); first != seen.end()) {
      report.at(e.key, path,
                "duplicate key '" + e.key.text + "' (first given at line " +
                    std::to_string(report.sources().locate(first->second).line) + ")",
                "remove one of them; YAML keeps only one and would silently drop the other");
      continue;
    }
    seen.emplace(e.key.text, e.key.origin);
    check_tree(report, e.value, path);
    kept.push_back(std::move(e));
  }
  tree.entries = std::move(kept);
}

// ---- writing ------------------------------------------------------------------

namespace {

void emit(YAML::Emitter& out, const Tree& t) {
  switch (t.kind) {
    case Tree::Kind::null:
      out << YAML::Null;
      return;
    case Tree::Kind::scalar:
      out << t.text;
      return;
    case Tree::Kind::sequence:
      if (t.items.empty()) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const Tree& item : t.items) emit(out, item);
      out << YAML::EndSeq;
      return;
    case Tree::Kind::mapping:
      if (t.entries.empty()) out << YAML::Flow;
      out << YAML::BeginMap;
      for (const TreeEntry& e : t.entries) {
        out << YAML::Key;
        emit(out, e.key);
        out << YAML::Value;
        emit(out, e.value);
      }
      out << YAML::EndMap;
      return;
  }
}

}  // namespace

std::string emit_yaml(const Tree& tree) {
  YAML::Emitter out;
  emit(out, tree);
  if (!out.good()) throw InternalError("scenario loader: cannot write YAML: " + out.GetLastError());
  return std::string(out.c_str()) + "\n";
}

}  // namespace pfsim::scenario::internal
