/**
 * `/reports`: the stored queries of sql/queries; `/reports/NAME` runs one with the filters of
 * `crawl.ts report` (coin-id, start-date, end-date) and shows it as a table;
 * `/reports/NAME.csv` is the same rows as `report NAME --format csv`.
 */
import type { FastifyInstance } from 'fastify';
import { validateDayFilter } from '../../core/crawl-args';
import { knownReports, reportDescription, runReport } from '../../db/reports';
import { formatCsv } from '../../util/row-format';
import type { StatusContext } from '../context';
import { HttpError } from '../http-error';
import { FIELD_NAMES, list, Params, text } from '../params';
import { reportPage, reportsIndexPage } from '../templates/reports';

export function registerReportRoutes(app: FastifyInstance, context: StatusContext): void {
  app.get('/reports', async (_request, reply) => {
    const reports = await Promise.all(
      knownReports().map(async (name) => ({ name, description: await reportDescription(name) })),
    );
    reply.type('text/html; charset=utf-8').send(reportsIndexPage(reports, context.database));
  });

  app.get('/reports/:name', async (request, reply) => {
    const requested = (request.params as { name: string }).name;
    const csv = requested.endsWith('.csv');
    const name = csv ? requested.slice(0, -'.csv'.length) : requested;
    const known = knownReports();
    if (!known.includes(name)) {
      throw new HttpError(404, `report ${JSON.stringify(name)}: unknown; known reports: ${known.join(', ')}`);
    }
    const query = request.query as Params;
    const filter = validateDayFilter(
      {
        coinIds: list(query, 'coin-id'),
        startDate: text(query, 'start-date'),
        endDate: text(query, 'end-date'),
      },
      FIELD_NAMES,
    );
    const { rows, columns } = await runReport(context.dataSource, name, filter);
    if (csv) {
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}.csv"`)
        .send(formatCsv(rows, columns));
      return;
    }
    const description = await reportDescription(name);
    reply
      .type('text/html; charset=utf-8')
      .send(reportPage({ name, description, filter, rows, known, database: context.database }));
  });
}
