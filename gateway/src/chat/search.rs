//! Full-text search of chat messages with tantivy (a well-kept Lucene-like engine: BM25
//! ranking, a query parser, snippets with highlights; writing those by hand would be
//! worse at all three).
//!
//! Every gateway keeps its own index in memory, fed by a reader of `chat.messages.v1`
//! from the earliest retained offset: posts are added, edits replace, deletions remove.
//! The index is also how the gateway finds a message's author and room when someone
//! edits, deletes or reacts to it.

use finstream_schemas::{ChatAction, ChatMessage};
use parking_lot::Mutex;
use tantivy::collector::TopDocs;
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, QueryParser, RangeQuery, TermQuery};
use tantivy::schema::{Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TEXT, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term,
};

#[derive(Debug, Clone, Copy)]
struct Fields {
    id: Field,
    room: Field,
    user: Field,
    role: Field,
    content: Field,
    time: Field,
}

/// The messages of every room, searchable.
pub struct ChatIndex {
    index: Index,
    fields: Fields,
    writer: Mutex<IndexWriter>,
    reader: IndexReader,
}

impl std::fmt::Debug for ChatIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatIndex")
            .field("docs", &self.reader.searcher().num_docs())
            .finish()
    }
}

/// What a search asks for; `rooms` are the rooms the caller may read.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub words: String,
    pub rooms: Vec<String>,
    pub user: Option<String>,
    /// Nanoseconds since the epoch, inclusive.
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub limit: usize,
}

/// One message found.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Found {
    pub id: String,
    pub room: String,
    pub user: String,
    pub role: String,
    pub content: String,
    /// Nanoseconds since the epoch.
    pub event_time: i64,
    pub score: f32,
    /// Character ranges `[start, end)` of `content` that matched.
    pub highlights: Vec<[usize; 2]>,
}

/// Who wrote a message, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub room: String,
    pub user: String,
    pub role: String,
}

impl Author {
    fn of(m: &ChatMessage) -> Self {
        Self {
            room: m.room.clone(),
            user: m.user.clone(),
            role: m.role.clone(),
        }
    }
}

impl ChatIndex {
    pub fn new() -> Result<Self, String> {
        let mut sb = Schema::builder();
        let fields = Fields {
            id: sb.add_text_field("id", STRING | STORED),
            room: sb.add_text_field("room", STRING | STORED),
            user: sb.add_text_field("user", STRING | STORED),
            role: sb.add_text_field("role", STRING | STORED),
            content: sb.add_text_field("content", TEXT | STORED),
            time: sb.add_i64_field("time", INDEXED | STORED),
        };
        let index = Index::create_in_ram(sb.build());
        let writer = index
            .writer_with_num_threads(1, 15_000_000)
            .map_err(|e| format!("chat search index: {e}"))?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| format!("chat search reader: {e}"))?;
        Ok(Self {
            index,
            fields,
            writer: Mutex::new(writer),
            reader,
        })
    }

    /// Applies a batch of chat events and makes them searchable.
    pub fn apply(&self, events: &[ChatMessage]) -> Result<(), String> {
        if events.is_empty() {
            return Ok(());
        }
        let f = self.fields;
        let mut writer = self.writer.lock();
        // Posts of this batch, not yet committed: an edit later in the batch finds them here.
        let mut fresh: std::collections::HashMap<&str, &ChatMessage> = Default::default();
        for m in events {
            match m.action {
                ChatAction::Post => {
                    writer.delete_term(Term::from_field_text(f.id, &m.id));
                    writer
                        .add_document(self.document(
                            &Author::of(m),
                            &m.id,
                            &m.content,
                            m.event_time,
                        ))
                        .map_err(|e| format!("indexing {}: {e}", m.id))?;
                    fresh.insert(&m.id, m);
                }
                ChatAction::Edit => {
                    let Some(target) = &m.target_id else { continue };
                    // The edit keeps the post's author and time; only the words change.
                    let original = match fresh.get(target.as_str()) {
                        Some(post) => Some((Author::of(post), post.event_time)),
                        None => self.lookup(target)?,
                    };
                    if let Some((post, time)) = original {
                        writer.delete_term(Term::from_field_text(f.id, target));
                        writer
                            .add_document(self.document(&post, target, &m.content, time))
                            .map_err(|e| format!("indexing {target}: {e}"))?;
                    }
                }
                ChatAction::Delete => {
                    if let Some(target) = &m.target_id {
                        writer.delete_term(Term::from_field_text(f.id, target));
                        fresh.remove(target.as_str());
                    }
                }
                ChatAction::React => {}
            }
        }
        writer
            .commit()
            .map_err(|e| format!("committing the chat index: {e}"))?;
        drop(writer);
        self.reader
            .reload()
            .map_err(|e| format!("reloading the chat index: {e}"))
    }

    /// Who wrote a post still there, and when.
    fn lookup(&self, id: &str) -> Result<Option<(Author, i64)>, String> {
        let searcher = self.reader.searcher();
        let Some(addr) = self.find(&searcher, id)? else {
            return Ok(None);
        };
        let doc: TantivyDocument = searcher
            .doc(addr)
            .map_err(|e| format!("reading {id}: {e}"))?;
        let f = self.fields;
        let author = Author {
            room: text_of(&doc, f.room),
            user: text_of(&doc, f.user),
            role: text_of(&doc, f.role),
        };
        let time = doc
            .get_first(f.time)
            .and_then(|v| v.as_i64())
            .unwrap_or_default();
        Ok(Some((author, time)))
    }

    fn document(&self, a: &Author, id: &str, content: &str, time: i64) -> TantivyDocument {
        let f = self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, id);
        doc.add_text(f.room, &a.room);
        doc.add_text(f.user, &a.user);
        doc.add_text(f.role, &a.role);
        doc.add_text(f.content, content);
        doc.add_i64(f.time, time);
        doc
    }

    fn find(&self, searcher: &Searcher, id: &str) -> Result<Option<DocAddress>, String> {
        let query = TermQuery::new(
            Term::from_field_text(self.fields.id, id),
            IndexRecordOption::Basic,
        );
        let top = searcher
            .search(&query, &TopDocs::with_limit(1).order_by_score())
            .map_err(|e| format!("looking up {id}: {e}"))?;
        Ok(top.first().map(|(_, addr)| *addr))
    }

    /// The author and room of a post that is still there (not deleted).
    pub fn author(&self, id: &str) -> Result<Option<Author>, String> {
        Ok(self.lookup(id)?.map(|(author, _)| author))
    }

    /// Every post of a user still there, as (room, id): what delete-my-data removes.
    pub fn posts_of(&self, user: &str) -> Result<Vec<(String, String)>, String> {
        let searcher = self.reader.searcher();
        let f = self.fields;
        let query = TermQuery::new(
            Term::from_field_text(f.user, user),
            IndexRecordOption::Basic,
        );
        let limit = usize::try_from(searcher.num_docs())
            .unwrap_or(usize::MAX)
            .max(1);
        let top = searcher
            .search(&query, &TopDocs::with_limit(limit).order_by_score())
            .map_err(|e| format!("listing {user}'s posts: {e}"))?;
        let mut out = Vec::with_capacity(top.len());
        for (_, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr).map_err(|e| e.to_string())?;
            let text = |field| text_of(&doc, field);
            out.push((text(f.room), text(f.id)));
        }
        Ok(out)
    }

    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Ranked matches of `q.words` in `q.rooms`, with highlights.
    pub fn search(&self, q: &SearchQuery) -> Result<Vec<Found>, String> {
        if q.rooms.is_empty() {
            return Ok(Vec::new());
        }
        let f = self.fields;
        let searcher = self.reader.searcher();
        let mut parser = QueryParser::for_index(&self.index, vec![f.content]);
        parser.set_conjunction_by_default();
        // Lenient: a stray quote or colon in what a user typed is not a syntax error.
        let (words, _errors) = parser.parse_query_lenient(&q.words);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, words.box_clone())];
        let rooms: Vec<(Occur, Box<dyn Query>)> = q
            .rooms
            .iter()
            .map(|r| {
                let t: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(f.room, r),
                    IndexRecordOption::Basic,
                ));
                (Occur::Should, t)
            })
            .collect();
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(rooms))));
        if let Some(user) = &q.user {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.user, user),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if q.from.is_some() || q.to.is_some() {
            let bound = |v: Option<i64>| match v {
                Some(n) => std::ops::Bound::Included(Term::from_field_i64(f.time, n)),
                None => std::ops::Bound::Unbounded,
            };
            clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new(bound(q.from), bound(q.to))),
            ));
        }
        if q.words.trim().is_empty() {
            clauses[0] = (Occur::Must, Box::new(AllQuery));
        }
        let query = BooleanQuery::new(clauses);
        let top = searcher
            .search(
                &query,
                &TopDocs::with_limit(q.limit.clamp(1, 200)).order_by_score(),
            )
            .map_err(|e| format!("searching: {e}"))?;
        let mut snippets = SnippetGenerator::create(&searcher, &*words, f.content)
            .map_err(|e| format!("highlighting: {e}"))?;
        snippets.set_max_num_chars(100_000);
        let mut out = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr).map_err(|e| e.to_string())?;
            let text = |field| text_of(&doc, field);
            let content = text(f.content);
            let snippet = snippets.snippet(&content);
            let base = snippet.fragment_range().start;
            let highlights = snippet
                .highlighted()
                .iter()
                .map(|r| {
                    [
                        char_offset(&content, base + r.start),
                        char_offset(&content, base + r.end),
                    ]
                })
                .collect();
            out.push(Found {
                id: text(f.id),
                room: text(f.room),
                user: text(f.user),
                role: text(f.role),
                event_time: doc
                    .get_first(f.time)
                    .and_then(|v| v.as_i64())
                    .unwrap_or_default(),
                content,
                score,
                highlights,
            });
        }
        Ok(out)
    }
}

fn text_of(doc: &TantivyDocument, field: Field) -> String {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string()
}

/// The character index of a byte offset (clients index strings by character).
fn char_offset(text: &str, byte: usize) -> usize {
    text.char_indices().take_while(|(i, _)| *i < byte).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: &str, room: &str, user: &str, action: ChatAction, content: &str) -> ChatMessage {
        ChatMessage {
            id: id.into(),
            room: room.into(),
            user: user.into(),
            action,
            role: "user".into(),
            content: content.into(),
            context_json: "{}".into(),
            target_id: None,
            thread_parent: None,
            event_time: 1_000,
        }
    }

    fn query(words: &str, rooms: &[&str]) -> SearchQuery {
        SearchQuery {
            words: words.into(),
            rooms: rooms.iter().map(|r| r.to_string()).collect(),
            limit: 10,
            ..SearchQuery::default()
        }
    }

    #[test]
    fn posts_are_found_in_member_rooms_edits_replace_and_deletes_remove() {
        let index = ChatIndex::new().expect("index");
        let mut edit = msg("e1", "desk", "ann", ChatAction::Edit, "NVDA earnings beat");
        edit.target_id = Some("m1".into());
        index
            .apply(&[
                msg("m1", "desk", "ann", ChatAction::Post, "NVDA earnings soon"),
                msg(
                    "m2",
                    "desk",
                    "bob",
                    ChatAction::Post,
                    "Buying calls on ÄAPL earnings",
                ),
                msg("m3", "private", "cy", ChatAction::Post, "earnings leak"),
            ])
            .expect("apply");
        let found = index.search(&query("earnings", &["desk"])).expect("search");
        let ids: Vec<&str> = found.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids.len(), 2, "{ids:?}");
        assert!(!ids.contains(&"m3"), "a room the caller is not in leaked");
        let bob = found.iter().find(|f| f.id == "m2").expect("m2");
        let [a, b] = bob.highlights[0];
        let marked: String = bob.content.chars().skip(a).take(b - a).collect();
        assert_eq!(marked, "earnings");

        index.apply(&[edit]).expect("edit");
        assert!(
            index
                .search(&query("soon", &["desk"]))
                .expect("s")
                .is_empty()
        );
        let beat = index.search(&query("beat", &["desk"])).expect("s");
        assert_eq!(beat.len(), 1);
        assert_eq!((beat[0].id.as_str(), beat[0].user.as_str()), ("m1", "ann"));
        assert_eq!(
            index.author("m1").expect("author").map(|a| a.user),
            Some("ann".to_string())
        );

        let mut delete = msg("d1", "desk", "bob", ChatAction::Delete, "");
        delete.target_id = Some("m2".into());
        index.apply(&[delete]).expect("delete");
        assert!(index.author("m2").expect("lookup").is_none());
        let by_user = SearchQuery {
            user: Some("ann".into()),
            ..query("", &["desk", "private"])
        };
        assert_eq!(index.search(&by_user).expect("s").len(), 1);
        assert_eq!(
            index.posts_of("cy").expect("posts"),
            vec![("private".into(), "m3".into())]
        );
    }
}
