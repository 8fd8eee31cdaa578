// Uploads the server took but may not list yet. `GET /v1/documents` reads the hot store,
// which the pipeline writes a moment after the upload's 202: for that moment the list
// lacks the new document (or shows a failed one uploaded again in its old state). The
// page shows the upload's own answer until the server's list has caught up.

import type { DocumentOut } from "../api/types";

export class PendingUploads {
  private readonly pending = new Map<string, DocumentOut>();

  /** The server took `doc` (a 202, or a 200 for a duplicate). */
  add(doc: DocumentOut): void {
    this.pending.set(doc.id, doc);
  }

  get size(): number {
    return this.pending.size;
  }

  /**
   * `listed`, which must be the server's list as it answered (never a list this class
   * merged: that would count an upload as listed), with the pending uploads it does not
   * show yet, newest first. An upload stops being pending once the server lists it as
   * updated at the same time or later.
   */
  merge(listed: readonly DocumentOut[]): DocumentOut[] {
    const byId = new Map(listed.map((d) => [d.id, d]));
    for (const [id, upload] of this.pending) {
      const seen = byId.get(id);
      // One clock and one format (RFC 3339 with nine fraction digits): they sort as text.
      if (seen && seen.updated_at >= upload.updated_at) this.pending.delete(id);
      else byId.set(id, upload);
    }
    return [...byId.values()].sort((a, b) => (a.submitted_at < b.submitted_at ? 1 : a.submitted_at > b.submitted_at ? -1 : 0));
  }
}
