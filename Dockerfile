FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY domain domain
COPY projections projections
COPY api api
COPY workers workers
COPY service service
COPY qihui qihui
RUN pip install --no-cache-dir -c constraints.txt .
USER nobody
CMD ["qihui", "serve", "--host", "0.0.0.0"]
