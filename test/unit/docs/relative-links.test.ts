/**
 * Every relative link in the README and the other documentation resolves: the file (or folder) exists,
 * and a `#anchor` names a heading of the Markdown file it points into (GitHub's slugs). Links with a
 * scheme (https:, mailto:) are not followed.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The documentation whose links are followed, relative to the repository root. */
function documentationFiles(root: string): string[] {
  const under = (dir: string): string[] =>
    existsSync(join(root, dir))
      ? readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
          .filter((path) => path.endsWith('.md'))
          .map((path) => join(dir, path))
      : [];
  const readmes = (dir: string): string[] => under(dir).filter((path) => path.endsWith('README.md'));
  return ['README.md', ...under('docs'), ...readmes('bench'), ...readmes('infra'), ...readmes('zoos')];
}

/** Markdown outside fenced code blocks and inline code spans. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Targets of `[text](target)` and `![alt](target)` links, without a title. */
function linkTargets(markdown: string): string[] {
  return [...prose(markdown).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map(
    (match) => match[1] ?? '',
  );
}

/** GitHub's anchor of each heading (github-slugger: lower case, punctuation dropped, spaces to hyphens). */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of markdown
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
    .matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = (match[1] ?? '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** The broken relative links of one Markdown file, each as `target: why`. */
function brokenLinks(root: string, file: string): string[] {
  const from = join(root, file);
  const broken: string[] = [];
  for (const target of linkTargets(readFileSync(from, 'utf8'))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const [path = '', anchor] = target.split('#');
    const resolved = path === '' ? from : resolve(dirname(from), decodeURIComponent(path));
    if (!existsSync(resolved)) {
      broken.push(`${target}: ${relative(root, resolved)} does not exist`);
      continue;
    }
    if (anchor === undefined || !resolved.endsWith('.md') || statSync(resolved).isDirectory()) continue;
    if (!headingAnchors(readFileSync(resolved, 'utf8')).has(anchor))
      broken.push(`${target}: no heading of ${relative(root, resolved)} has the anchor #${anchor}`);
  }
  return broken;
}

describe('relative links in the documentation', () => {
  const files = documentationFiles(ROOT);

  it('covers the README, docs/, bench/, infra/ and the zoos', () => {
    for (const file of ['README.md', 'docs/design.md', 'bench/README.md', 'infra/README.md'])
      expect(files).toContain(file);
    expect(files.filter((file) => file.startsWith('zoos/')).length).toBeGreaterThanOrEqual(3);
  });

  it.each(files)('%s: every relative link resolves', (file) => {
    expect(brokenLinks(ROOT, file)).toEqual([]);
  });

  it('the README links to the selection results and the docs it moved its references to', () => {
    const targets = linkTargets(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    for (const target of [
      'bench/selection/RESULTS.md',
      'docs/spec.md',
      'docs/cli.md',
      'docs/operations.md',
      'bench/README.md',
    ])
      expect(targets).toContain(target);
  });
});

describe('the link checker', () => {
  it('finds links outside code, anchors of headings, and reports a missing file or anchor', () => {
    const markdown =
      '# Top\n## Budget: halving, or a `fixed` window\n## Budget: halving, or a `fixed` window\n' +
      'See [a](docs/x.md#y), ![b](img.png "t") and `[c](not-a-link.md)`.\n```\n[d](in-code.md)\n```\n';
    expect(linkTargets(markdown)).toEqual(['docs/x.md#y', 'img.png']);
    expect([...headingAnchors(markdown)]).toEqual([
      'top',
      'budget-halving-or-a-fixed-window',
      'budget-halving-or-a-fixed-window-1',
    ]);
  });

  it('reports a missing file and a missing anchor, and passes a good link and an external one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ncap-links-'));
    try {
      writeFileSync(join(dir, 'b.md'), '# Here\n');
      writeFileSync(
        join(dir, 'a.md'),
        '[ok](b.md#here) [web](https://example.com/x.md) [self](#top)\n# Top\n[gone](c.md) [no anchor](b.md#there)\n',
      );
      expect(brokenLinks(dir, 'a.md')).toEqual([
        'c.md: c.md does not exist',
        'b.md#there: no heading of b.md has the anchor #there',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
