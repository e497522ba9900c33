#!/usr/bin/python3
"""A plain Python digest mailer, written the obvious way: scripts/bench-e2e's yardstick.

Loads the papers (the Hugging Face JSON, with categories from the arXiv Atom
feed) into an in-memory SQLite FTS5 table, runs each subscriber's query with
bm25, takes the top max_papers, renders a text and an HTML body with Jinja2,
builds an email.message.EmailMessage (multipart/alternative; From, To,
Subject, Date, Message-ID, List-Unsubscribe) and sends it with smtplib on one
connection, reused for every message. No tricks either way: what someone
would write in an afternoon.

usage: bench-e2e-mailer.py --hf FILE --arxiv FILE --subscribers FILE --smtp HOST:PORT
                           [--from ADDRESS] [--base-url URL] [--secret TEXT] [--at ISO8601]
Prints "sent N, median size B bytes, empty E" and exits 1 if a message was refused.
Needs Debian's python3-jinja2 (run it with /usr/bin/python3).
"""
import argparse
import base64
import datetime
import email.utils
import hashlib
import hmac
import json
import re
import smtplib
import sqlite3
import statistics
import sys
import xml.etree.ElementTree as ET
from email import policy
from email.message import EmailMessage

import jinja2

TEXT_TEMPLATE = """\
Your research digest
{{ long_date }}
View in browser: {{ view_url }}
Hello {{ name }}, here are {{ papers|length }} new papers for you.

{% for p in papers -%}
{{ loop.index }}. {{ p.title }}
{{ p.authors }}
{{ p.facts }}
{{ p.url }}

{{ p.summary|wordwrap(76) }}
PDF: {{ p.pdf_url }}
{% if p.code_url %}Code: {{ p.code_url }}
{% endif %}Matched: {{ p.matched }}
More like this: {{ p.more_url }}
Not for me: {{ p.not_for_me_url }}

{% endfor -%}
--
You get this email because {{ email }} subscribed to {{ why }}.
Change what you get: {{ preferences_url }}
Unsubscribe with one click: {{ unsubscribe_url }}
"""

HTML_TEMPLATE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>{{ subject }}</title>
<style>
  @media (prefers-color-scheme: dark) {
    .body { background: #111418 !important; }
    .card { background: #1b1f24 !important; color: #e6e8eb !important; }
    .muted { color: #a7adb5 !important; }
    .link { color: #8ab4f8 !important; }
  }
  @media (max-width: 480px) {
    .card { padding: 16px !important; }
    .title { font-size: 17px !important; }
  }
</style>
</head>
<body class="body" style="margin:0;padding:0;background:#f3f4f6;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f3f4f6;">
<tr><td align="center" style="padding:16px 8px;">
<table role="presentation" class="card" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:640px;background:#ffffff;color:#1f2328;border-radius:8px;padding:24px;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;">
<tr><td style="padding:0 0 16px 0;">
<p style="margin:0 0 8px 0;font-size:12px;" class="muted"><a href="{{ view_url }}" class="link" style="color:#0969da;">View in browser</a></p>
<p style="margin:0 0 4px 0;font-size:13px;" class="muted">{{ long_date }}</p>
<h1 style="margin:0 0 8px 0;font-size:22px;line-height:1.3;">Your research digest</h1>
<p style="margin:0;">Hello {{ name }}, here are {{ papers|length }} new papers for you.</p>
</td></tr>
{% for p in papers %}
<tr><td style="padding:12px 0;border-top:1px solid #d0d7de;">
<p class="title" style="margin:0 0 4px 0;font-size:18px;line-height:1.35;font-weight:600;">{{ loop.index }}. <a href="{{ p.url }}" class="link" style="color:#0969da;text-decoration:none;">{{ p.title }}</a></p>
<p style="margin:0 0 4px 0;font-size:13px;" class="muted">{{ p.authors }}</p>
<p style="margin:0 0 6px 0;font-size:13px;" class="muted">{{ p.facts }}</p>
<p style="margin:0 0 6px 0;">{{ p.summary }}</p>
<p style="margin:0 0 4px 0;font-size:13px;"><a href="{{ p.pdf_url }}" class="link" style="color:#0969da;">PDF</a>{% if p.code_url %} &nbsp; <a href="{{ p.code_url }}" class="link" style="color:#0969da;">Code</a>{% endif %}</p>
<p style="margin:0;font-size:13px;" class="muted">Matched: {{ p.matched }}</p>
<p style="margin:6px 0 0 0;font-size:13px;"><a href="{{ p.more_url }}" class="link" style="color:#0969da;">More like this</a> &nbsp; <a href="{{ p.not_for_me_url }}" class="link" style="color:#0969da;">Not for me</a></p>
</td></tr>
{% endfor %}
<tr><td style="padding:16px 0 0 0;border-top:1px solid #d0d7de;font-size:13px;" class="muted">
<p style="margin:0 0 8px 0;">You get this email because {{ email }} subscribed to {{ why }}.</p>
<p style="margin:0 0 8px 0;">Change what you get: <a href="{{ preferences_url }}" class="link" style="color:#0969da;">your preferences</a> (topics, schedule, format, pause).</p>
<p style="margin:0;"><a href="{{ unsubscribe_url }}" class="link" style="color:#0969da;">Unsubscribe</a> with one click.</p>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
"""


def load_papers(hf_path, arxiv_path):
    with open(hf_path, encoding="utf-8") as f:
        records = json.load(f)
    categories = {}
    atom = "{http://www.w3.org/2005/Atom}"
    for entry in ET.parse(arxiv_path).getroot().iter(atom + "entry"):
        arxiv_id = re.sub(r"v\d+$", "", entry.findtext(atom + "id").rsplit(":", 1)[-1])
        categories[arxiv_id] = [c.get("term") for c in entry.findall(atom + "category")]
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE papers (id TEXT PRIMARY KEY, title TEXT, abstract TEXT, authors TEXT, upvotes INT, comments INT, code TEXT)")
    db.execute("CREATE VIRTUAL TABLE papers_fts USING fts5(title, abstract, tokenize='porter unicode61')")
    db.execute("CREATE TABLE categories (paper INT, category TEXT)")
    db.execute("CREATE INDEX categories_by_paper ON categories (paper)")
    for record in records:
        paper = record["paper"]
        authors = [a["name"] for a in paper.get("authors", []) if not a.get("hidden")]
        cursor = db.execute("INSERT INTO papers (id, title, abstract, authors, upvotes, comments, code) VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (paper["id"], paper["title"], paper["summary"], json.dumps(authors), paper.get("upvotes", 0),
                             record.get("numComments", 0), paper.get("githubRepo")))
        db.execute("INSERT INTO papers_fts (rowid, title, abstract) VALUES (?, ?, ?)", (cursor.lastrowid, paper["title"], paper["summary"]))
        for category in categories.get(paper["id"], []):
            db.execute("INSERT INTO categories (paper, category) VALUES (?, ?)", (cursor.lastrowid, category))
    db.commit()
    return db


# Long header lines are folded, not turned into encoded words (a List-Unsubscribe URL must stay as it is).
SMTP_POLICY = policy.SMTP.clone(max_line_length=998)

TOKEN = re.compile(r'\s*(\(|\)|-?(?:[a-z]+:)?"[^"]*"\*?|-?[^\s()"]+)')


def to_fts5(query):
    """The subscriber's query (docs/query-language.md: words, "phrases", OR, AND, NOT or -, ( ), word*,
    title:/abstract:) as an FTS5 MATCH expression."""
    tokens = TOKEN.findall(query)
    position = 0

    def term(token):
        field = ""
        match = re.match(r"(title|abstract):(.*)", token)
        if match:
            field, token = match.group(1) + " : ", match.group(2)
        prefix = token.endswith("*")
        words = re.findall(r"\w+", token.rstrip("*"))
        if token.startswith('"') or len(words) > 1:
            return field + '"' + " ".join(words) + '"' + ("*" if prefix else "")
        return field + words[0] + ("*" if prefix else "")

    def alternatives():
        nonlocal position
        parts = [conjunction()]
        while position < len(tokens) and tokens[position] == "OR":
            position += 1
            parts.append(conjunction())
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def conjunction():
        nonlocal position
        wanted, unwanted = [], []
        while position < len(tokens) and tokens[position] not in ("OR", ")"):
            token = tokens[position]
            position += 1
            negated = token == "NOT" or token.startswith("-")
            if token == "NOT":
                token = tokens[position]
                position += 1
            elif token.startswith("-"):
                token = token[1:]
            if token == "AND":
                continue
            if token == "(":
                text = alternatives()
                position += 1  # the ")"
            else:
                text = term(token)
            (unwanted if negated else wanted).append(text)
        expression = "(" + " AND ".join(wanted) + ")" if len(wanted) > 1 else wanted[0]
        for text in unwanted:
            expression += " NOT " + text
        return "(" + expression + ")" if unwanted else expression

    return alternatives()


def token(secret, *parts):
    mac = hmac.new(secret, "\x1f".join(parts).encode(), hashlib.sha256).digest()
    payload = base64.urlsafe_b64encode("\x1f".join(parts[1:]).encode()).rstrip(b"=").decode()
    return payload + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def main():
    parser = argparse.ArgumentParser(description="A plain Python digest mailer (scripts/bench-e2e).")
    parser.add_argument("--hf", required=True)
    parser.add_argument("--arxiv", required=True)
    parser.add_argument("--subscribers", required=True)
    parser.add_argument("--smtp", required=True, help="HOST:PORT")
    parser.add_argument("--from", dest="sender", default="Paperboy <digest@example.org>")
    parser.add_argument("--base-url", default="https://papers.example.org")
    parser.add_argument("--secret", default="bench-e2e-secret-bench-e2e-secret")
    parser.add_argument("--at", default="2026-11-30T08:00:00+00:00")
    args = parser.parse_args()

    db = load_papers(args.hf, args.arxiv)
    with open(args.subscribers, encoding="utf-8") as f:
        subscribers = json.load(f)
    environment = jinja2.Environment(loader=jinja2.DictLoader({"digest.txt": TEXT_TEMPLATE, "digest.html": HTML_TEMPLATE}),
                                     autoescape=jinja2.select_autoescape(["html"]), keep_trailing_newline=True)
    text_template = environment.get_template("digest.txt")
    html_template = environment.get_template("digest.html")
    secret = args.secret.encode()
    at = datetime.datetime.fromisoformat(args.at)
    long_date = at.strftime("%A, %-d %B %Y")
    short_date = at.strftime("%-d %b")
    domain = email.utils.parseaddr(args.sender)[1].split("@")[1]
    host, port = args.smtp.rsplit(":", 1)

    sizes, empty = [], 0
    smtp = smtplib.SMTP(host, int(port))
    for subscriber in subscribers:
        address = subscriber["email"]
        sql = ("SELECT papers.rowid, papers.id, papers.title, papers.abstract, papers.authors, papers.upvotes, papers.comments, papers.code "
               "FROM papers_fts JOIN papers ON papers.rowid = papers_fts.rowid WHERE papers_fts MATCH ?")
        parameters = [to_fts5(subscriber["query"])]
        if subscriber.get("categories"):
            sql += " AND papers.rowid IN (SELECT paper FROM categories WHERE category IN (%s))" % ",".join("?" * len(subscriber["categories"]))
            parameters += subscriber["categories"]
        sql += " ORDER BY bm25(papers_fts, 2.0, 1.0) LIMIT ?"
        parameters.append(subscriber.get("max_papers", 10))
        rows = db.execute(sql, parameters).fetchall()
        if not rows:
            empty += 1
            continue
        matched = ", ".join(sorted(set(re.findall(r"\w+", re.sub(r"\b(title:|OR|AND|NOT)|-\w+", "", subscriber["query"])))))
        papers = []
        for rowid, paper_id, title, abstract, authors, upvotes, comments, code in rows:
            authors = json.loads(authors)
            summary = abstract if len(abstract) <= 420 else abstract[:420].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"
            papers.append({
                "title": title, "summary": summary, "url": f"https://arxiv.org/abs/{paper_id}",
                "pdf_url": f"https://arxiv.org/pdf/{paper_id}", "code_url": code,
                "authors": ", ".join(authors[:3]) + (" et al." if len(authors) > 3 else ""),
                "facts": f"{upvotes} upvotes · {comments} comments · " + ", ".join(
                    row[0] for row in db.execute("SELECT category FROM categories WHERE paper = ?", (rowid,))),
                "matched": matched,
                "more_url": f"{args.base_url}/feedback?t={token(secret, 'like', address, paper_id)}",
                "not_for_me_url": f"{args.base_url}/feedback?t={token(secret, 'dislike', address, paper_id)}",
            })
        why = f"papers matching {subscriber['query']}"
        if subscriber.get("categories"):
            why += " and papers in " + ", ".join(subscriber["categories"])
        subject = f"{len(papers)} new papers for {short_date}: {papers[0]['title']}"
        unsubscribe_url = f"{args.base_url}/unsubscribe?t={token(secret, 'unsubscribe', address)}"
        context = {
            "subject": subject, "long_date": long_date, "name": subscriber.get("name", "there"), "papers": papers,
            "email": address, "why": why, "unsubscribe_url": unsubscribe_url,
            "preferences_url": f"{args.base_url}/preferences?t={token(secret, 'preferences', address)}",
            "view_url": f"{args.base_url}/d?t={token(secret, 'view', address, args.at)}",
        }
        message = EmailMessage(policy=SMTP_POLICY)
        message["From"] = args.sender
        message["To"] = email.utils.formataddr((subscriber.get("name", ""), address))
        message["Subject"] = subject
        message["Date"] = email.utils.format_datetime(at)
        message["Message-ID"] = email.utils.make_msgid(domain=domain)
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message.set_content(text_template.render(context))
        message.add_alternative(html_template.render(context), subtype="html")
        data = message.as_bytes()
        smtp.sendmail(email.utils.parseaddr(args.sender)[1], [address], data)
        sizes.append(len(data))
    smtp.quit()
    print(f"sent {len(sizes)}, median size {int(statistics.median(sizes)) if sizes else 0} bytes, empty {empty}")


if __name__ == "__main__":
    sys.exit(main())
