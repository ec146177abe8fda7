"""The open data: the read-only JSON API and its OpenAPI description, the CSV/JSON downloads with their data
package, and the Atom feed of updates. The contract is in docs/data.md."""
