# The app image: gateway, action server, reminder worker and the motcua CLI (Python 3.11).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY core core
COPY bot bot
COPY actions actions
COPY nlu/__init__.py nlu/__init__.py
COPY nlu/text nlu/text
COPY data/offices data/offices
COPY data/procedures data/procedures
COPY data/demo data/demo
COPY data/calendar data/calendar
COPY data/guides data/guides
COPY migrations migrations
COPY alembic.ini ./
RUN pip install --no-cache-dir --no-deps -e . && useradd --system --uid 10001 motcua
USER motcua
EXPOSE 8000 5055
CMD ["python", "-m", "bot"]
